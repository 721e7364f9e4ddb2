package dev.ragcanary.cli.ops;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Prints a verdict kept in the ledger (the gate's Verdict JSON, bare or under "verdict") one rule per line. */
public final class VerdictText {
    private VerdictText() {
    }

    /** The verdict inside a ledger entry's detail, or null when the entry holds none. */
    static JsonNode verdictOf(JsonNode detail) {
        if (detail == null) {
            return null;
        }
        JsonNode verdict = detail.has("verdict") ? detail.get("verdict") : detail;
        return verdict.has("decision") && verdict.has("rules") ? verdict : null;
    }

    /** "FAIL live.latency.p95.ratio  observed 1.41  limit <= 1.25  samples {canary=2100, control=40000}" per rule. */
    static List<String> rules(JsonNode detail) {
        JsonNode verdict = verdictOf(detail);
        List<String> lines = new ArrayList<>();
        if (verdict == null) {
            return lines;
        }
        lines.add(verdict.path("decision").asText() + ": " + verdict.path("reason").asText());
        for (JsonNode rule : verdict.get("rules")) {
            String outcome = rule.path("outcome").asText(rule.path("passed").asBoolean() ? "PASS" : "FAIL");
            lines.add(String.format("  %-12s %-36s observed %-10s limit %s %s%s%s", outcome, rule.path("rule").asText(),
                    text(rule.get("observed")), rule.path("comparator").asText(""), text(rule.get("limit")),
                    rule.path("hardStop").asBoolean() ? "  (hard stop)" : "",
                    rule.hasNonNull("samples") ? "  samples " + rule.get("samples") : ""));
        }
        return lines;
    }

    /** A rule's observed value or limit as a person reads it: 1.484, 0.33, 0x9a77/cosine/bilstem, - for none. */
    public static String text(JsonNode value) {
        if (value == null || value.isNull()) {
            return "-";
        }
        if (value.isNumber()) {
            double d = value.asDouble();
            return d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf((long) d) : String.format(java.util.Locale.ROOT, "%.4g", d).replaceAll("(\\.\\d*?)0+$", "$1").replaceAll("\\.$", "");
        }
        return value.isTextual() ? value.asText() : value.toString();
    }
}
