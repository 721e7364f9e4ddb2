package dev.ragcanary.local;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * A local execution started or ended ({@code succeeded}, {@code failed}, {@code aborted}, {@code timed_out}).
 *
 * @param parent the execution that started this one (stage executions), else null
 * @param input  the execution input for nested executions (the root's is the start input), else null
 */
public record ExecutionEvent(String event, String execution, String machine, String parent, JsonNode input,
                             JsonNode output, String error, String cause, Instant at) {
}
