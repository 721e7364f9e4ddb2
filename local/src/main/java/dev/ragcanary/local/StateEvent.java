package dev.ragcanary.local;

import java.time.Instant;

/**
 * A state of a local execution was entered, exited, retried, caught or failed.
 *
 * @param at      the execution's virtual time (Wait states advance it by what they stand for)
 * @param error   error name for retried/caught/failed, else null
 * @param attempt retry attempt for retried, else null
 */
public record StateEvent(String event, String execution, String machine, String state, String stateType, Instant at,
                         String error, Integer attempt) {
}
