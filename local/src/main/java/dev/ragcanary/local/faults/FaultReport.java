package dev.ragcanary.local.faults;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.local.faults.FaultMatrix.Row;
import dev.ragcanary.local.faults.SafetyInvariants.End;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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

    /** Safe cases that ended otherwise than their flow does with no fault (promoted turned rolled back, ...). */
    public long endChanged() {
        return rows.stream().filter(r -> r.safe() && r.end() != r.flowEnd()).count();
    }

    public Map<End, Long> ends() {
        Map<End, Long> ends = new EnumMap<>(End.class);
        rows.forEach(r -> ends.merge(r.end(), 1L, Long::sum));
        return ends;
    }

    /** The table: one line per group, with the number of cases per end. */
    public String table() {
        Map<String, List<Row>> byGroup = new TreeMap<>();
        rows.forEach(r -> byGroup.computeIfAbsent(r.group(), g -> new ArrayList<>()).add(r));
        int width = Math.max(40, byGroup.keySet().stream().mapToInt(String::length).max().orElse(0));
        String format = "%-" + width + "s %6s %9s %11s %12s %8s %7s %12s%n";
        StringBuilder out = new StringBuilder();
        out.append(String.format(format, "call | fault  (or group)", "cases", "promoted", "rolled back", "lock flagged",
                "refused", "UNSAFE", "end changed"));
        byGroup.forEach((group, groupRows) -> out.append(line(format, group, new FaultReport(groupRows))));
        out.append(line(format, "TOTAL", this));
        out.append(String.format("%d cases, %d safe, %d unsafe; %d fault cases never reached their call; %d safe cases"
                + " ended otherwise than their flow without the fault%n", cases(), safe(), unsafe(), notReached(),
                endChanged()));
        rows.stream().filter(r -> !r.safe()).forEach(r -> out.append("UNSAFE ").append(r.id()).append(" [")
                .append(r.flow()).append("] ").append(r.label()).append(": ").append(String.join("; ", r.violations()))
                .append('\n'));
        rows.stream().filter(r -> !r.reached()).forEach(r -> out.append("NOT REACHED ").append(r.id()).append(" [")
                .append(r.flow()).append("] ").append(r.label()).append('\n'));
        return out.toString();
    }

    private static String line(String format, String group, FaultReport report) {
        Map<End, Long> ends = report.ends();
        return String.format(format, group, report.cases(), ends.getOrDefault(End.PROMOTED, 0L),
                ends.getOrDefault(End.ROLLED_BACK, 0L), ends.getOrDefault(End.LOCK_FLAGGED, 0L),
                ends.getOrDefault(End.REFUSED, 0L), report.unsafe(), report.endChanged());
    }

    /** {@code {"cases", "safe", "unsafe", "notReached", "endChanged", "rows": [...]}}. */
    public ObjectNode json() {
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.put("cases", cases());
        out.put("safe", safe());
        out.put("unsafe", unsafe());
        out.put("notReached", notReached());
        out.put("endChanged", endChanged());
        ArrayNode list = out.putArray("rows");
        rows.forEach(r -> list.add(Json.MAPPER.valueToTree(r)));
        return out;
    }
}
