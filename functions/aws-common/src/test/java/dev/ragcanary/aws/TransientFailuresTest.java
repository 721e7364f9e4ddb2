package dev.ragcanary.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ragcanary.core.ports.AliasControl;
import dev.ragcanary.core.ports.RolloutStore;
import dev.ragcanary.core.ports.TransientFailureException;
import dev.ragcanary.core.traffic.RolloutFencedException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;

/** Which failures the state machines retry (one error name) and which they catch (their own name). */
class TransientFailuresTest {

    @Test
    void throttlingServerErrorsLostRepliesAndLostRacesAreReportedAsTheOneTransientName() {
        RuntimeException[] transients = {
                ProvisionedThroughputExceededException.builder().statusCode(400).message("slow down").build(),
                DynamoDbException.builder().statusCode(400).awsErrorDetails(AwsErrorDetails.builder()
                        .errorCode("ThrottlingException").errorMessage("Rate exceeded").build()).build(),
                DynamoDbException.builder().statusCode(500).message("InternalServerError").build(),
                SdkClientException.create("Unable to execute HTTP request: Read timed out"),
                ApiCallTimeoutException.create(10_000),
                new AliasControl.ThrottledException("Lambda throttled UpdateAlias"),
                new RolloutStore.ConcurrentUpdateException("state changed since revision 7 was read"),
                new IllegalStateException("wrapped", SdkClientException.create("connection reset")),
        };
        for (RuntimeException failure : transients) {
            RuntimeException reported = TransientFailures.reported(failure);
            assertThat(reported).as(failure.toString()).isExactlyInstanceOf(TransientFailureException.class);
            assertThat(reported.getCause()).isSameAs(failure);
        }
    }

    @Test
    void everythingElseKeepsItsOwnNameForTheStateMachineToCatch() {
        RuntimeException[] permanents = {
                ResourceNotFoundException.builder().statusCode(400).message("Requested resource not found").build(),
                ConditionalCheckFailedException.builder().statusCode(400).message("The conditional request failed").build(),
                DynamoDbException.builder().statusCode(400).awsErrorDetails(AwsErrorDetails.builder()
                        .errorCode("AccessDeniedException").errorMessage("not authorized").build()).build(),
                new RolloutFencedException("rolled back while raising"),
                new IllegalArgumentException("stage \"eleven\" is not in the plan"),
                AwsServiceException.builder().message("bad request, no error details").statusCode(400).build(),
        };
        for (RuntimeException failure : permanents) {
            assertThat(TransientFailures.reported(failure)).as(failure.toString()).isSameAs(failure);
        }
    }
}
