package dev.ragcanary.core.probe;

import java.util.List;

/** A validated gold probe set (see schemas/probe-set.schema.json); built only by {@link ProbeSetParser}. */
public record ProbeSet(String name, List<Probe> probes) {
    public static final int MIN_PROBES = 50;
    public static final int MAX_PROBES = 200;
    public static final int PARAPHRASES = 3;

    public ProbeSet {
        probes = List.copyOf(probes);
    }
}
