package dev.ragcanary.sample;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.probe.RagResponseContract;
import dev.ragcanary.egress.Egress;
import dev.ragcanary.egress.Webhook;
import dev.ragcanary.testsupport.DynaliteExtension;
import dev.ragcanary.testsupport.PartnerStub;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The sample target bills each answered question through the egress library: live to the partner, shadow to the sink. */
class SampleRagEgressTest {
    @RegisterExtension
    static final DynaliteExtension DYNAMO = new DynaliteExtension(d -> {
        d.createTable("claims", "dedupeKey", null);
        d.createTable("sink", "dedupeKey", null);
        d.createTable("virtual-claims", "dedupeKey", null);
        d.createTable("virtual-sink", "dedupeKey", null);
    });

    private final PartnerStub partner = PartnerStub.start();
    private final SampleRagHandler handler = new SampleRagHandler(new SampleRag(SampleRagConfig.DEFAULTS),
            Egress.builder().dynamoDb(DYNAMO.client()).claimsTable("claims").sinkTable("sink")
                    .function("sample-rag-target", "7").build(),
            new Webhook("billing", partner.url("/billing")));

    @AfterEach
    void stopPartner() {
        partner.close();
    }

    /** The router's event (API Gateway HTTP API v2 shape) with the headers it adds. */
    private JsonNode invoke(String requestId, String headers) throws Exception {
        return invoke(handler, requestId, headers);
    }

    private static JsonNode invoke(SampleRagHandler handler, String requestId, String headers) throws Exception {
        String event = """
                {"version": "2.0", "routeKey": "$default", "rawPath": "/", "headers": {%s},
                 "requestContext": {"requestId": "%s", "http": {"method": "POST", "path": "/"}},
                 "body": "{\\"question\\": \\"How do I roll back a canary by hand?\\"}", "isBase64Encoded": false}
                """.formatted(headers, requestId);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), out, null);
        return Json.parse("response", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aLiveAnswerPostsOneBillingEventAndReturnsItsEmission() throws Exception {
        JsonNode response = invoke("req-live", "\"x-exp\": \"canary\", \"x-variant\": \"7\"");

        assertThat(new RagResponseContract().violations(response, null)).isEmpty();
        JsonNode emission = response.get("egress").get(0);
        assertThat(emission.get("destination").asText()).isEqualTo("partner");
        assertThat(emission.get("variant").asText()).isEqualTo("canary");
        assertThat(partner.posts(emission.get("dedupe_key").asText())).isOne();
    }

    @Test
    void theShadowCopyOfARequestBillsTheSinkWithTheControlsKeyAndNeverThePartner() throws Exception {
        JsonNode control = invoke("req-mirrored", "\"x-exp\": \"control\", \"x-variant\": \"6\"");
        JsonNode shadow = invoke("req-mirrored", "\"x-exp\": \"canary\", \"x-variant\": \"7\", \"x-shadow\": \"true\"");

        assertThat(new RagResponseContract().violations(shadow, null)).isEmpty();
        assertThat(shadow.at("/egress/0/destination").asText()).isEqualTo("sink");
        assertThat(shadow.at("/egress/0/dedupe_key")).isEqualTo(control.at("/egress/0/dedupe_key"));
        assertThat(partner.totalPosts()).isOne();
        assertThat(DYNAMO.client().scan(b -> b.tableName("sink")).items()).singleElement()
                .satisfies(item -> assertThat(item.get("functionVersion").s()).isEqualTo("sample-rag-target:7"));
    }

    /**
     * The request's start comes from the library's clock, as every later time of the emission does: a clock in virtual
     * time (the rehearsal's) gives ages and sink times in that time, not the machine's.
     */
    @Test
    void theRequestStartsOnTheLibrarysClockSoAgesAndSinkTimesAreInItsTime() throws Exception {
        Instant virtual = Instant.parse("2031-03-04T05:06:07Z");
        SampleRagHandler onVirtualTime = new SampleRagHandler(new SampleRag(SampleRagConfig.DEFAULTS),
                Egress.builder().dynamoDb(DYNAMO.client()).claimsTable("virtual-claims").sinkTable("virtual-sink")
                        .function("sample-rag-target", "7").clock(Clock.fixed(virtual, ZoneOffset.UTC)).build(),
                new Webhook("billing", partner.url("/billing")));

        JsonNode live = invoke(onVirtualTime, "req-virtual-live", "\"x-exp\": \"control\"");
        JsonNode shadow = invoke(onVirtualTime, "req-virtual-shadow", "\"x-exp\": \"canary\", \"x-shadow\": \"true\"");

        assertThat(live.at("/egress/0/age_ms").asLong()).isZero();
        assertThat(shadow.at("/egress/0/age_ms").asLong()).isZero();
        assertThat(DYNAMO.client().getItem(b -> b.tableName("virtual-sink").key(Map.of("dedupeKey",
                AttributeValue.fromS(shadow.at("/egress/0/dedupe_key").asText())))).item().get("emittedAt").n())
                .isEqualTo(Long.toString(virtual.toEpochMilli()));
    }

    @Test
    void withoutAPartnerTheResponseIsTodaysAndHasNoEgress() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new SampleRagHandler(new SampleRag(SampleRagConfig.DEFAULTS)).handleRequest(new ByteArrayInputStream(
                "{\"question\": \"How do I roll back a canary by hand?\"}".getBytes(StandardCharsets.UTF_8)), out, null);

        assertThat(Json.parse("response", out.toString(StandardCharsets.UTF_8)).has("egress")).isFalse();
    }
}
