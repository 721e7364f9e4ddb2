package dev.ragcanary.adapters.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ragcanary.aws.StubAwsServer;
import dev.ragcanary.core.json.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;

class ProbeSetLoaderTest {
    private static final Path GOLD = Path.of("../../events/probes/gold.json");
    private final StubAwsServer stub = new StubAwsServer();
    private final ProbeSetLoader loader = new ProbeSetLoader(() -> S3Clients.of(stub.endpoint(), Region.US_EAST_1));

    @AfterEach
    void close() {
        stub.close();
    }

    @Test
    void loadsFromS3() throws Exception {
        stub.then(new StubAwsServer.Response(200, Map.of("Content-Type", "application/json"), Files.readString(GOLD)));

        assertThat(loader.load("s3://probe-sets/gold/v3.json").probes()).hasSizeGreaterThanOrEqualTo(50);
        assertThat(stub.requests().get(0).path()).isEqualTo("/probe-sets/gold/v3.json");
    }

    @Test
    void loadsALocalFileWithoutTouchingS3() {
        ProbeSetLoader local = new ProbeSetLoader(() -> {
            throw new AssertionError("no S3 client for a local path");
        });
        assertThat(local.load(GOLD.toString()).name()).isEqualTo("rag-canary runbook gold set");
    }

    @Test
    void aMissingObjectOrFileIsAProblemAtTheProbeSetField() {
        stub.then(S3EvidenceStoreTest.xml(404, S3EvidenceStoreTest.NO_SUCH_KEY));

        assertThatThrownBy(() -> loader.load("s3://probe-sets/missing.json"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("$.probeSet: no such object: s3://probe-sets/missing.json");
        assertThatThrownBy(() -> loader.load("no/such/file.json"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("no such file");
    }

    @Test
    void aMissingObjectThatS3AnswersWith403IsReportedAsMissingOrNotReadableNeverAsAGenericFailure() {
        // Without s3:ListBucket on the bucket, S3 answers a GetObject of a missing key with 403 AccessDenied.
        stub.then(S3EvidenceStoreTest.xml(403, S3EvidenceStoreTest.ACCESS_DENIED));

        assertThatThrownBy(() -> loader.load("s3://probe-sets/gold/missing.json"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("$.probeSet: no access to bucket probe-sets: s3://probe-sets/gold/missing.json"
                        + " is missing, or the role lacks s3:GetObject on it (S3 answers 403 AccessDenied, not"
                        + " NoSuchKey, to a role that may not list the bucket)");
    }

    @Test
    void anInvalidSetReportsItsProblems() {
        stub.then(new StubAwsServer.Response(200, Map.of(), "{\"probes\": []}"));
        assertThatThrownBy(() -> loader.load("s3://probe-sets/empty.json"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("$.probes: must have at least 50 items");
    }
}
