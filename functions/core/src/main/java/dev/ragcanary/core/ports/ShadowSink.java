package dev.ragcanary.core.ports;

import java.time.Instant;
import java.util.Set;

/**
 * The canary sink, read side: the shadow emissions a function version wrote (a shadow request never reaches a partner;
 * the egress library writes its emission here instead), to match them against the control's real emissions.
 */
public interface ShadowSink {

    /**
     * Dedupe keys of the shadow emissions {@code functionVersion} ("{@code <function>:<version>}") wrote in
     * {@code region} with {@code from <= emittedAt < to}.
     */
    Set<String> dedupeKeys(String region, String functionVersion, Instant from, Instant to);
}
