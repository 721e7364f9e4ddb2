package dev.ragcanary.core.gate;

import dev.ragcanary.core.rag.IndexFingerprint;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Index parity: the canary serves the index the start input expects, and the same one in every region. */
final class IndexRules {
    static final String EXPECTED = "index.fingerprint.expected";
    static final String REGION_PARITY = "index.fingerprint.regionParity";

    private IndexRules() {
    }

    static RuleResult matchesExpected(GateContext c) {
        String desc = "canary index fingerprint (INDEX_HASH/metric/analyzer) in every region equals the expected one";
        IndexFingerprint expected = c.evidence().expectedIndex();
        Map<String, IndexFingerprint> canary = new TreeMap<>(c.evidence().fingerprints("canary"));
        if (expected == null) {
            return Checks.insufficient(EXPECTED, desc, null, "==", null, "no expected index in the evidence");
        }
        if (canary.isEmpty()) {
            return Checks.insufficient(EXPECTED, desc, expected.toString(), "==", null, "no canary fingerprint reported");
        }
        Map<String, IndexFingerprint> wrong = canary.entrySet().stream().filter(e -> !expected.equals(e.getValue()))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, TreeMap::new));
        Object observed = wrong.isEmpty() ? expected.toString() : render(wrong);
        return Checks.compare(EXPECTED, desc, observed, expected.toString(), "==", wrong.isEmpty(),
                Map.of("regions", (long) canary.size()), null);
    }

    static RuleResult regionParity(GateContext c) {
        String desc = "canary index fingerprint is the same in every region";
        Map<String, IndexFingerprint> canary = new TreeMap<>(c.evidence().fingerprints("canary"));
        if (canary.isEmpty()) {
            return Checks.insufficient(REGION_PARITY, desc, "identical", "==", null, "no canary fingerprint reported");
        }
        if (canary.size() == 1) {
            return Checks.notApplicable(REGION_PARITY, desc, "identical", "==", "only one region reported");
        }
        long distinct = canary.values().stream().distinct().count();
        return Checks.compare(REGION_PARITY, desc, distinct == 1 ? "identical" : render(canary), "identical", "==",
                distinct == 1, Map.of("regions", (long) canary.size()), null);
    }

    private static String render(Map<String, IndexFingerprint> byRegion) {
        return byRegion.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "));
    }
}
