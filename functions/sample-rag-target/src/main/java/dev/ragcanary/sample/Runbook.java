package dev.ragcanary.sample;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The bundled corpus: a runbook for operating rag-canary, one section per "## id | title [| since N]" heading.
 * Sections added in revision 2 are missing from the stale (revision 1) corpus.
 */
public final class Runbook {
    public static final String RESOURCE = "/dev/ragcanary/sample/runbook.md";
    public static final String GOLD_PROBES = "/dev/ragcanary/sample/gold.json";
    public static final int CURRENT_REVISION = 2;

    /** @param since revision of the runbook that added this section */
    public record Section(String id, String title, String text, int since) {
    }

    private Runbook() {
    }

    /** Every section of the current revision, in document order. */
    public static List<Section> sections() {
        return parse(read(RESOURCE));
    }

    /** The sections an index built from {@code revision} of the runbook contains. */
    public static List<Section> asOf(int revision) {
        return sections().stream().filter(s -> s.since() <= revision).toList();
    }

    /** The gold probe set about this runbook (also at events/probes/gold.json). */
    public static String goldProbes() {
        return read(GOLD_PROBES);
    }

    static List<Section> parse(String markdown) {
        List<Section> out = new ArrayList<>();
        String[] heading = null;
        StringBuilder body = new StringBuilder();
        for (String line : markdown.split("\n")) {
            if (line.startsWith("## ")) {
                add(out, heading, body);
                heading = line.substring(3).split("\\|");
                body.setLength(0);
            } else if (heading != null && !line.isBlank()) {
                body.append(body.length() == 0 ? "" : " ").append(line.strip());
            }
        }
        add(out, heading, body);
        return out;
    }

    private static void add(List<Section> out, String[] heading, StringBuilder body) {
        if (heading == null) {
            return;
        }
        int since = heading.length > 2 ? Integer.parseInt(heading[2].strip().replace("since", "").strip()) : 1;
        out.add(new Section(heading[0].strip(), heading[1].strip(), body.toString(), since));
    }

    private static String read(String resource) {
        try (InputStream in = Runbook.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
