package dev.ragcanary.local.faults;

import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

/** The exceptions an AWS SDK client raises for each fault kind, as the service answers them. */
final class AwsFailures {
    private AwsFailures() {
    }

    /**
     * @param service         e.g. {@code DynamoDb}, {@code S3}
     * @param throttlingCode  the service's own throttling error code, e.g. {@code ProvisionedThroughputExceededException}
     */
    static RuntimeException of(FaultKind kind, String service, String throttlingCode, String call) {
        return switch (kind) {
            case TRANSIENT -> error(service, throttlingCode, 400, "Rate exceeded for " + call + " (injected)");
            case PERMANENT -> error(service, "AccessDeniedException", 403,
                    "User is not authorized to perform " + call + " (injected)");
            case APPLIED_RESPONSE_LOST -> SdkClientException.create("Unable to execute HTTP request: Read timed out"
                    + " (injected after " + call + " took effect)");
        };
    }

    private static AwsServiceException error(String service, String code, int status, String message) {
        return AwsServiceException.builder().statusCode(status).message(message)
                .awsErrorDetails(AwsErrorDetails.builder().serviceName(service).errorCode(code).errorMessage(message)
                        .build())
                .build();
    }
}
