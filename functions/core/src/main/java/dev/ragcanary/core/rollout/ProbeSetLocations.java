package dev.ragcanary.core.rollout;

import dev.ragcanary.core.json.Problem;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Where the deployed probe replay may read probe sets: the {@code s3://bucket/prefix/} locations the stack grants it
 * s3:GetObject on. A start input whose probe set lies elsewhere is refused at validation, before the lock: read at
 * the first stage, it would only fail there with S3's 403.
 *
 * @param prefixes the granted locations; none means anywhere (a local run, where no grant applies)
 */
public record ProbeSetLocations(List<String> prefixes) {
    public static final ProbeSetLocations ANYWHERE = new ProbeSetLocations(List.of());

    public ProbeSetLocations {
        prefixes = List.copyOf(prefixes);
    }

    /** The stack's setting: comma-separated {@code s3://bucket/prefix/} locations; blank or null means anywhere. */
    public static ProbeSetLocations parse(String setting) {
        if (setting == null || setting.isBlank()) {
            return ANYWHERE;
        }
        return new ProbeSetLocations(Arrays.stream(setting.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .toList());
    }

    /** The problem with {@code plan}'s probe set at {@code path} (its JSON path), if it lies outside every location. */
    public Optional<Problem> problem(RolloutRequest plan, String path) {
        if (prefixes.isEmpty() || prefixes.stream().anyMatch(plan.probeSet()::startsWith)) {
            return Optional.empty();
        }
        return Optional.of(new Problem(path, plan.probeSet() + " is outside what this stack lets the probe replay"
                + " read (" + String.join(", ", prefixes) + "); upload the probe set there"));
    }
}
