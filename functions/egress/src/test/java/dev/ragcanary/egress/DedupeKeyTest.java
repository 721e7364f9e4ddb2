package dev.ragcanary.egress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class DedupeKeyTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Webhook BILLING = Webhook.of("billing", "https://partner.example.com/billing");

    private static JsonNode json(String text) throws Exception {
        return MAPPER.readTree(text);
    }

    @Test
    void isTheSha256OfTheWebhookNameAndTheCanonicalPayload() throws Exception {
        // python3: hashlib.sha256(b'billing\n{"a":[1,0.5,"x\\ny"],"b":{"c":true,"d":null}}').hexdigest()
        JsonNode payload = json("{\"b\": {\"d\": null, \"c\": true}, \"a\": [1.0, 0.50, \"x\\ny\"]}");

        assertThat(DedupeKey.canonical(payload)).isEqualTo("{\"a\":[1,0.5,\"x\\ny\"],\"b\":{\"c\":true,\"d\":null}}");
        assertThat(DedupeKey.of(BILLING, payload).hex())
                .isEqualTo("25088a717cefe127adb38353b72acd4818780b600f48946760a5899781117ad1");
    }

    @Test
    void memberOrderWhitespaceAndNumberSpellingDoNotChangeTheKeyButTheWebhookDoes() throws Exception {
        DedupeKey key = DedupeKey.of(BILLING, json("{\"n\": 100, \"s\": \"é\"}"));

        assertThat(DedupeKey.of(BILLING, json("{ \"s\" : \"\\u00e9\", \"n\" : 1e2 }"))).isEqualTo(key);
        assertThat(DedupeKey.of(Webhook.of("audit", "https://partner.example.com/billing"),
                json("{\"n\": 100, \"s\": \"é\"}"))).isNotEqualTo(key);
        assertThat(DedupeKey.of(BILLING, json("{\"n\": 101, \"s\": \"é\"}"))).isNotEqualTo(key);
    }

    @Test
    void idempotencyFieldsLeaveTheOtherFieldsOut() throws Exception {
        DedupeKey control = DedupeKey.ofFields(BILLING, json("{\"requestId\": \"r1\", \"latencyMs\": 12}"),
                List.of("requestId"));
        DedupeKey canary = DedupeKey.ofFields(BILLING, json("{\"requestId\": \"r1\", \"latencyMs\": 40}"),
                List.of("requestId"));

        assertThat(canary).isEqualTo(control);
        assertThat(control).isEqualTo(DedupeKey.of(BILLING, json("{\"requestId\": \"r1\"}")));
    }

    @Test
    void refusesAMissingIdempotencyFieldAndACallerKeyThatIsNotASha256() throws Exception {
        assertThatThrownBy(() -> DedupeKey.ofFields(BILLING, json("{\"a\": 1}"), List.of("requestId", "a", "b")))
                .hasMessageContaining("[requestId, b]");
        assertThatThrownBy(() -> DedupeKey.given("ABC")).hasMessageContaining("dedupeKey");
        assertThat(DedupeKey.given("0".repeat(64)).hex()).hasSize(64);
    }
}
