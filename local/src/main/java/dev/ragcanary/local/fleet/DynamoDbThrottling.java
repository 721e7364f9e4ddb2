package dev.ragcanary.local.fleet;

import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;

/**
 * Throttles the first N DynamoDB calls of one operation before they are sent, the way an overloaded table answers:
 * a {@link ProvisionedThroughputExceededException} that reaches the handler, so the state machine's Retry is what
 * gets the work done.
 */
public final class DynamoDbThrottling implements ExecutionInterceptor {
    private final String operation;
    private final AtomicInteger left;

    public DynamoDbThrottling(Scenario.ControlPlane controlPlane) {
        this.operation = controlPlane.dynamoDbOperation();
        this.left = new AtomicInteger(controlPlane.dynamoDbThrottles());
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        if (operation != null && operation.equals(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME))
                && left.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw ProvisionedThroughputExceededException.builder()
                    .awsErrorDetails(AwsErrorDetails.builder().errorCode("ProvisionedThroughputExceededException")
                            .errorMessage("The level of configured provisioned throughput for the table was exceeded"
                                    + " (simulated)").serviceName("DynamoDb").build())
                    .statusCode(400)
                    .build();
        }
    }
}
