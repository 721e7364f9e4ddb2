package dev.ragcanary.core.traffic;

import dev.ragcanary.core.ports.FunctionVersions;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** GetFunctionConfiguration per region and version: published versions are ready, unless a test configures them. */
final class FakeFunctionVersions implements FunctionVersions {
    static final String ROLE = "arn:aws:iam::123456789012:role/rag-answer";
    private final Map<String, VersionConfiguration> configured = new HashMap<>();

    /** Publishes {@code versions} in {@code region}: Active, Successful, {@link #ROLE}, no dead-letter queue. */
    FakeFunctionVersions publish(String region, String... versions) {
        for (String version : versions) {
            configure(region, VersionConfiguration.ready(version, ROLE, null));
        }
        return this;
    }

    FakeFunctionVersions configure(String region, VersionConfiguration configuration) {
        configured.put(region + ":" + configuration.version(), configuration);
        return this;
    }

    FakeFunctionVersions remove(String region, String version) {
        configured.remove(region + ":" + version);
        return this;
    }

    @Override
    public Optional<VersionConfiguration> configuration(String region, String functionName, String version) {
        return Optional.ofNullable(configured.get(region + ":" + version));
    }
}
