package dev.ragcanary.local.fleet;

import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;

/**
 * Throttles the DynamoDB calls the scenario names for the current stage ({@code DynamoDB.<Operation>}, see
 * {@link ControlPlaneThrottling}) before they are sent, the way an overloaded table answers: a
 * {@link ProvisionedThroughputExceededException} with its error code that reaches the handler, so the state machine's
 * Retry is what gets the work done.
 */
public final class DynamoDbThrottling implements ExecutionInterceptor {
    private final ControlPlaneThrottling throttling;

    public DynamoDbThrottling(ControlPlaneThrottling throttling) {
        this.throttling = throttling;
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        if (throttling.throttles("DynamoDB." + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME))) {
            throw ProvisionedThroughputExceededException.builder()
                    .message("The level of configured provisioned throughput for the table was exceeded (simulated)")
                    .statusCode(400)
                    .awsErrorDetails(AwsErrorDetails.builder().serviceName("DynamoDb")
                            .errorCode("ProvisionedThroughputExceededException").build())
                    .build();
        }
    }
}
