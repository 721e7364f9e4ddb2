package dev.ragcanary.adapters.s3;

import dev.ragcanary.core.ports.EvidenceStore;
import java.util.Optional;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Evidence in the evidence bucket (EVIDENCE_BUCKET): one JSON object per key. A read S3 answers with 403 is a
 * {@link S3AccessDeniedException} (missing, or not readable: the roles may not list the bucket).
 */
public final class S3EvidenceStore implements EvidenceStore {
    private final S3Client s3;
    private final String bucket;

    public S3EvidenceStore(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    @Override
    public String put(String key, String json) {
        s3.putObject(r -> r.bucket(bucket).key(key).contentType("application/json"), RequestBody.fromString(json));
        return "s3://" + bucket + "/" + key;
    }

    @Override
    public Optional<String> get(String key) {
        try {
            return Optional.of(s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asUtf8String());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            throw e.statusCode() == S3AccessDeniedException.FORBIDDEN ? new S3AccessDeniedException(bucket, key, e) : e;
        }
    }
}
