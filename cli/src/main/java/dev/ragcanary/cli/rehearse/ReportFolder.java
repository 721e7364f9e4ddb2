package dev.ragcanary.cli.rehearse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Writes the rehearsal's report folder: {@code report.html}, {@code report.json} (the same data), {@code ledger.json}
 * (the rollout ledger) and {@code evidence/<file>} for every stage's evidence. While the rehearsal runs, the gate's
 * evidence store (probe detail, bundles, archive: a few MB) is a hidden folder inside it, deleted at the end.
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
        // An earlier run's evidence would otherwise sit beside this run's.
        deleteRecursively(dir.resolve(EVIDENCE_DIR));
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

    /** A new, empty folder for the gate's evidence store while the rehearsal runs, inside the report folder. */
    static Path evidenceStore(Path dir) throws IOException {
        Files.createDirectories(dir);
        return Files.createTempDirectory(dir, ".evidence-store-");
    }

    /** Deletes the evidence store once the stages' evidence is in {@code evidence/}; a store already gone is fine. */
    static void deleteEvidenceStore(Path store) {
        try {
            deleteRecursively(store);
        } catch (IOException e) {
            System.err.println("could not delete the rehearsal's evidence store " + store + ": " + e.getMessage());
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> tree = Files.walk(root)) {
            for (Path path : tree.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
