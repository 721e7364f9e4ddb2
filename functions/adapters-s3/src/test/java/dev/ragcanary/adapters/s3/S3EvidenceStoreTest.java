package dev.ragcanary.adapters.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ragcanary.aws.StubAwsServer;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

class S3EvidenceStoreTest {
    static final String NO_SUCH_KEY = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>rollouts/r1/missing.json</Key><RequestId>4442587FB7D0A2F9</RequestId><HostId>hostid</HostId></Error>""";
    static final String ACCESS_DENIED = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>4442587FB7D0A2FA</RequestId><HostId>hostid</HostId></Error>""";

    private final StubAwsServer stub = new StubAwsServer();
    private final S3Client s3 = S3Clients.of(stub.endpoint(), Region.US_EAST_1);
    private final S3EvidenceStore store = new S3EvidenceStore(s3, "evidence-bucket");

    @AfterEach
    void close() {
        stub.close();
    }

    static StubAwsServer.Response xml(int status, String body) {
        return new StubAwsServer.Response(status, Map.of("Content-Type", "application/xml"), body);
    }

    @Test
    void putsJsonUnderTheKey() {
        stub.then(new StubAwsServer.Response(200, Map.of("ETag", "\"abc\""), ""));

        String location = store.put("rollouts/r1/probes/five.json", "{\"questions\":52}");

        assertThat(location).isEqualTo("s3://evidence-bucket/rollouts/r1/probes/five.json");
        StubAwsServer.Request put = stub.requests().get(0);
        assertThat(put.method()).isEqualTo("PUT");
        assertThat(put.path()).isEqualTo("/evidence-bucket/rollouts/r1/probes/five.json");
        assertThat(put.header("content-type")).isEqualTo("application/json");
        assertThat(put.header("x-amz-decoded-content-length")).isEqualTo("16");
        assertThat(decodeAwsChunked(put.body())).isEqualTo("{\"questions\":52}");
    }

    /** Over plain HTTP the SDK signs the body in aws-chunked encoding: "size;chunk-signature=...\r\ndata\r\n"... */
    static String decodeAwsChunked(String body) {
        StringBuilder out = new StringBuilder();
        int at = 0;
        while (at < body.length()) {
            int lineEnd = body.indexOf("\r\n", at);
            int size = Integer.parseInt(body.substring(at, lineEnd).split(";")[0], 16);
            if (size == 0) {
                break;
            }
            out.append(body, lineEnd + 2, lineEnd + 2 + size);
            at = lineEnd + 2 + size + 2;
        }
        return out.toString();
    }

    @Test
    void getsAStoredDocument() {
        stub.then(new StubAwsServer.Response(200, Map.of("Content-Type", "application/json"), "{\"a\":1}"));

        assertThat(store.get("rollouts/r1/probes/five.json")).contains("{\"a\":1}");
        assertThat(stub.requests().get(0).method()).isEqualTo("GET");
        assertThat(stub.requests().get(0).path()).isEqualTo("/evidence-bucket/rollouts/r1/probes/five.json");
    }

    @Test
    void aMissingKeyIsEmpty() {
        stub.then(xml(404, NO_SUCH_KEY));
        assertThat(store.get("rollouts/r1/missing.json")).isEmpty();
    }

    @Test
    void aGetAnswered403SaysTheObjectIsMissingOrNotReadable() {
        stub.then(xml(403, ACCESS_DENIED));

        assertThatThrownBy(() -> store.get("rollouts/r1/missing.json"))
                .isInstanceOf(S3AccessDeniedException.class)
                .hasMessage("no access to bucket evidence-bucket: s3://evidence-bucket/rollouts/r1/missing.json is"
                        + " missing, or the role lacks s3:GetObject on it (S3 answers 403 AccessDenied, not NoSuchKey,"
                        + " to a role that may not list the bucket): Access Denied");
    }

    @Test
    void otherErrorsPropagate() {
        stub.then(xml(403, ACCESS_DENIED));
        assertThatThrownBy(() -> store.put("k.json", "{}"))
                .isInstanceOf(S3Exception.class).hasMessageContaining("Access Denied");
    }
}
