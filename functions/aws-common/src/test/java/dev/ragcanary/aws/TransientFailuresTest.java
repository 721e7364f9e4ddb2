package dev.ragcanary.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ragcanary.core.ports.TransientFailureException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

class TransientFailuresTest {

    @Test
    void aThrottlingCodeOnHttp400IsReportedAsTransient() {
        RuntimeException throttled = AwsServiceException.builder().message("slow down").statusCode(400)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("ProvisionedThroughputExceededException").build())
                .build();

        RuntimeException reported = TransientFailures.reported(throttled);

        assertThat(reported).isExactlyInstanceOf(TransientFailureException.class).hasCause(throttled)
                .hasMessageContaining("slow down");
    }

    @Test
    void anHttp400WithoutErrorDetailsIsReportedAsItIs() {
        RuntimeException noDetails = AwsServiceException.builder().message("bad request").statusCode(400).build();

        assertThat(TransientFailures.reported(noDetails)).isSameAs(noDetails);
    }

    @Test
    void anHttp5xxWithoutErrorDetailsIsTransient() {
        RuntimeException unavailable = AwsServiceException.builder().message("unavailable").statusCode(503).build();

        assertThat(TransientFailures.reported(unavailable)).isExactlyInstanceOf(TransientFailureException.class);
    }
}
