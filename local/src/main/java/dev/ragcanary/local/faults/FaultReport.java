package dev.ragcanary.local.faults;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.local.faults.FaultMatrix.Row;
import dev.ragcanary.local.faults.SafetyInvariants.End;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fault matrix's answer: per call × fault kind (and per group of stops and interleavings) how many cases ended
 * promoted, rolled back, with the lock flagged, refused, or unsafe; totals; every unsafe case with what it broke.
 */
public record FaultReport(List<Row> rows) {

    public long cases() {
        return rows.size();
    }

    public long unsafe() {
        return rows.stream().filter(r -> !r.safe()).count();
    }

    public long safe() {
        return cases() - unsafe();
    }

    /** Fault cases whose call the rollout never reached: they prove nothing and are counted apart. */
    public long notReached() {
        return rows.stream().filter(r -> !r.reached()).count();
    }

    public Map<End, Long> ends() {
        Map<End, Long> ends = new EnumMap<>(End.class);
        rows.forEach(r -> ends.merge(r.end(), 1L, Long::sum));
        return ends;
    }

    /** The table: one line per group, with the number of cases per end. */
    public String table() {
        Map<String, Map<End, Long>> byGroup = new LinkedHashMap<>();
        rows.stream().sorted(java.util.Comparator.comparing(Row::group))
                .forEach(r -> byGroup.computeIfAbsent(r.group(), g -> new EnumMap<>(End.class)).merge(r.end(), 1L, Long::sum));
        int width = Math.max(40, byGroup.keySet().stream().mapToInt(String::length).max().orElse(0));
        StringBuilder out = new StringBuilder();
        out.append(String.format("%-" + width + "s %6s %9s %11s %12s %8s %7s%n", "call | fault  (or group)", "cases",
                "promoted", "rolled back", "lock flagged", "refused", "UNSAFE"));
        byGroup.forEach((group, ends) -> out.append(String.format("%-" + width + "s %6d %9d %11d %12d %8d %7d%n",
                group, ends.values().stream().mapToLong(Long::longValue).sum(), ends.getOrDefault(End.PROMOTED, 0L),
                ends.getOrDefault(End.ROLLED_BACK, 0L), ends.getOrDefault(End.LOCK_FLAGGED, 0L),
                ends.getOrDefault(End.REFUSED, 0L), ends.getOrDefault(End.UNSAFE, 0L))));
        Map<End, Long> ends = ends();
        out.append(String.format("%-" + width + "s %6d %9d %11d %12d %8d %7d%n", "TOTAL", cases(),
                ends.getOrDefault(End.PROMOTED, 0L), ends.getOrDefault(End.ROLLED_BACK, 0L),
                ends.getOrDefault(End.LOCK_FLAGGED, 0L), ends.getOrDefault(End.REFUSED, 0L), unsafe()));
        out.append(String.format("%d cases, %d safe, %d unsafe; %d fault cases never reached their call%n", cases(),
                safe(), unsafe(), notReached()));
        rows.stream().filter(r -> !r.safe()).forEach(r -> out.append("UNSAFE ").append(r.id()).append(" [")
                .append(r.flow()).append("] ").append(r.label()).append(": ").append(String.join("; ", r.violations()))
                .append('\n'));
        rows.stream().filter(r -> !r.reached()).forEach(r -> out.append("NOT REACHED ").append(r.id()).append(" [")
                .append(r.flow()).append("] ").append(r.label()).append('\n'));
        return out.toString();
    }

    /** {@code {"cases", "safe", "unsafe", "notReached", "rows": [...]}}. */
    public ObjectNode json() {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("cases", cases());
        out.put("safe", safe());
        out.put("unsafe", unsafe());
        out.put("notReached", notReached());
        ArrayNode list = out.putArray("rows");
        rows.forEach(r -> list.add(Json.MAPPER.valueToTree(r)));
        return out;
    }
}
