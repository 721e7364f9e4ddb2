package dev.ragcanary.cli.rehearse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes the rehearsal's report folder: {@code report.html}, {@code report.json} (the same data), {@code ledger.json}
 * (the rollout ledger) and {@code evidence/<file>} for every stage's evidence.
 */
public final class ReportFolder {
    public static final String EVIDENCE_DIR = "evidence";

    private ReportFolder() {
    }

    /**
     * @param evidence file name (within {@code evidence/}) -> the stage's evidence document
     * @return the written {@code report.html}
     */
    public static Path write(Path dir, RehearsalReport report, JsonNode ledger, Map<String, JsonNode> evidence) throws IOException {
        Files.createDirectories(dir.resolve(EVIDENCE_DIR));
        for (Map.Entry<String, JsonNode> file : evidence.entrySet()) {
            Path target = dir.resolve(EVIDENCE_DIR).resolve(file.getKey()).normalize();
            if (!target.startsWith(dir.resolve(EVIDENCE_DIR))) {
                throw new IllegalArgumentException("evidence file name leaves the report folder: " + file.getKey());
            }
            Files.writeString(target, Json.pretty(file.getValue()));
        }
        Files.writeString(dir.resolve("ledger.json"), Json.pretty(ledger));
        Files.writeString(dir.resolve("report.json"), Json.pretty(report));
        Path html = dir.resolve("report.html");
        Files.writeString(html, ReportHtml.render(report));
        return html;
    }
}
