package dev.ragcanary.core.ports;

import java.util.Optional;

/**
 * The start input of a rollout machine execution, read by its ARN: an execution status event leaves it out when the
 * execution's input and output together are too large for an event, and the cleanup still has to know which rollout
 * the execution drove.
 */
@FunctionalInterface
public interface ExecutionInputs {

    /** The execution's start input as JSON text, or empty when no execution has that ARN. */
    Optional<String> startInput(String executionArn);
}
