package dev.ragcanary.aws;

import dev.ragcanary.core.ports.RolloutStore.ConcurrentUpdateException;
import dev.ragcanary.core.ports.TransientFailureException;
import java.util.Set;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;

/**
 * Tells transient failures from the rest, so a controller handler reports every transient one under the single
 * error name {@link TransientFailureException} that the state machines retry (statemachine/README.md, "Failure
 * handling"), and everything else under its own name, which they catch.
 *
 * <p>Transient: throttling (HTTP 429 or an AWS throttling code), 5xx, a client-side failure (no response, a timeout:
 * the call may or may not have taken effect, and every action is idempotent), and the domain's own throttling and
 * lost-race signals.
 */
public final class TransientFailures {
    /** DynamoDB answers these with HTTP 400, yet they only say "slow down" (error codes, and the SDK's class names). */
    private static final Set<String> THROTTLING_CODES = Set.of("ProvisionedThroughputExceededException",
            "RequestLimitExceeded", "RequestLimitExceededException", "ThrottlingException", "TooManyRequestsException",
            "LimitExceededException");

    private TransientFailures() {
    }

    /** Runs a handler's work, reporting a transient failure under the one retried error name (see {@link #reported}). */
    public static <T> T reportingTransient(Supplier<T> work) {
        try {
            return work.get();
        } catch (RuntimeException failure) {
            throw reported(failure);
        }
    }

    /** {@code failure} as the handler should throw it: a {@link TransientFailureException} if transient, else as is. */
    public static RuntimeException reported(RuntimeException failure) {
        if (failure.getClass() == TransientFailureException.class || !isTransient(failure)) {
            return failure;
        }
        return new TransientFailureException(failure.getClass().getSimpleName() + ": " + failure.getMessage(), failure);
    }

    static boolean isTransient(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof TransientFailureException
                    || t instanceof ConcurrentUpdateException
                    || t instanceof SdkClientException) {
                return true;
            }
            if (t instanceof SdkServiceException service && (service.isThrottlingException()
                    || service.statusCode() >= 500 || hasThrottlingCode(service)
                    || THROTTLING_CODES.contains(service.getClass().getSimpleName()))) {
                return true;
            }
        }
        return false;
    }

    /** An exception built without error details (as a stub or an interceptor may build it) has no code to match. */
    private static boolean hasThrottlingCode(SdkServiceException service) {
        return service instanceof AwsServiceException aws && aws.awsErrorDetails() != null
                && aws.awsErrorDetails().errorCode() != null
                && THROTTLING_CODES.contains(aws.awsErrorDetails().errorCode());
    }
}
