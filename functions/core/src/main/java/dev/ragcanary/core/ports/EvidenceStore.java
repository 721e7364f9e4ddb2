package dev.ragcanary.core.ports;

import java.util.Optional;

/** Keeps full evidence (per-probe detail, verdicts) out of Step Functions payloads: S3 in AWS, a folder locally. */
public interface EvidenceStore {

    /** Stores {@code json} under {@code key} (relative, '/'-separated) and returns the location to cite, e.g. s3://b/k. */
    String put(String key, String json);

    Optional<String> get(String key);
}
