package dev.ragcanary.core.ports;

import dev.ragcanary.core.traffic.RolloutState;
import java.util.Optional;

/** Reads the per-(function, alias) rollout state item; all a router needs, and it can write nothing. */
@FunctionalInterface
public interface RolloutStateReader {

    /** The state item for the alias, whatever its status; empty if no rollout ever ran on it. */
    Optional<RolloutState> read(String functionName, String alias);
}
