package dev.ragcanary.adapters.s3;

import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * S3 answered 403 to a read: the object may be missing, or the role may lack access. S3 answers a GetObject of a
 * missing key with 403 AccessDenied, not 404 NoSuchKey, when the caller may not list the bucket (s3:ListBucket),
 * and the controller's roles may read only their own prefixes, never list.
 */
public final class S3AccessDeniedException extends RuntimeException {
    static final int FORBIDDEN = 403;

    S3AccessDeniedException(String bucket, String key, S3Exception cause) {
        super(message(bucket, key, cause), cause);
    }

    /** Says both things a 403 to a read can mean, naming the bucket and the object. */
    static String message(String bucket, String key, S3Exception cause) {
        return "no access to bucket " + bucket + ": s3://" + bucket + "/" + key + " is missing, or the role lacks"
                + " s3:GetObject on it (S3 answers 403 AccessDenied, not NoSuchKey, to a role that may not list the"
                + " bucket)" + (cause.awsErrorDetails() == null ? "" : ": " + cause.awsErrorDetails().errorMessage());
    }
}
