package dev.ragcanary.local.faults;

import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * Makes every DynamoDB call of the handlers a fault-matrix call point, named by operation and by the item it touches
 * ({@code DynamoDB.PutItem state}, {@code DynamoDB.PutItem ledger}, ...): the rollout state and lock item
 * ({@code ALIAS#...}), ledger entries ({@code ROLLOUT#...}) or the answer cache. A fault before the call is an SDK
 * service error; a lost reply fails after dynalite has applied the call.
 */
final class FaultyDynamoDb implements ExecutionInterceptor {
    private static final ExecutionAttribute<FaultInjector.Point> POINT = new ExecutionAttribute<>("fault-matrix-point");
    private static final ExecutionAttribute<String> CALL = new ExecutionAttribute<>("fault-matrix-call");

    private final FaultInjector faults;

    FaultyDynamoDb(FaultInjector faults) {
        this.faults = faults;
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        String call = "DynamoDB." + attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME) + " "
                + item(context.request());
        attributes.putAttribute(CALL, call);
        attributes.putAttribute(POINT, faults.before(call, kind -> failure(kind, call)));
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        String call = attributes.getAttribute(CALL);
        faults.after(attributes.getAttribute(POINT), kind -> failure(kind, call));
    }

    private static RuntimeException failure(FaultKind kind, String call) {
        return AwsFailures.of(kind, "DynamoDb", "ProvisionedThroughputExceededException", call);
    }

    /** Which of the controller's items a request touches. */
    private static String item(SdkRequest request) {
        AttributeValue pkValue = null;
        if (request instanceof GetItemRequest get) {
            pkValue = get.key().get("pk");
        } else if (request instanceof PutItemRequest put) {
            pkValue = put.item().get("pk");
        } else if (request instanceof UpdateItemRequest update) {
            pkValue = update.key().get("pk");
        } else if (request instanceof QueryRequest query) {
            pkValue = query.expressionAttributeValues().get(":pk");
        }
        String pk = pkValue == null || pkValue.s() == null ? "" : pkValue.s();
        return pk.startsWith("ALIAS#") ? "state" : pk.startsWith("ROLLOUT#") ? "ledger" : "cache";
    }
}
