package dev.ragcanary.core.traffic;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.RepoFiles;
import dev.ragcanary.core.json.Json;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Contract B: every case of events/edge-decision-vectors.json (read from the file), and a key rotation mid-rollout. */
class EdgeDecisionsTest {
    private static final JsonNode VECTORS = Json.parse("edge decision vectors",
            RepoFiles.read("events/edge-decision-vectors.json"));

    @TestFactory
    Stream<DynamicTest> everyVectorGetsItsVerdict() {
        assertThat(VECTORS.get("prefix").asText()).isEqualTo(EdgeDecisions.SIGNING_PREFIX);
        assertThat(VECTORS.get("maxAgeSeconds").asLong()).isEqualTo(EdgeDecisions.MAX_AGE_SECONDS);
        List<DynamicTest> tests = new ArrayList<>();
        VECTORS.get("verifying").forEach(vector -> tests.add(DynamicTest.dynamicTest(vector.get("name").asText(), () -> {
            Clock now = Clock.fixed(Instant.parse(vector.get("now").asText()), ZoneOffset.UTC);
            EdgeDecisions decisions = new EdgeDecisions(new EdgeDecisionKeys(
                    () -> VECTORS.get("keys").toString(), now, Duration.ofSeconds(60)), now);
            Map<String, String> headers = new HashMap<>();
            vector.get("headers").properties().forEach(h -> headers.put(h.getKey(), h.getValue().asText()));
            JsonNode state = vector.get("state");

            EdgeDecisions.Check check = decisions.check(headers, state == null || state.isNull() ? null
                    : state(state.get("rolloutId").asText(), state.get("epoch").asLong(),
                    RolloutStatus.valueOf(state.get("status").asText())), 0.05);

            assertThat(check.outcome().label()).isEqualTo(vector.get("expect").asText());
            if (check.trusted()) {
                assertThat(headers.get(EdgeDecisions.DECISION_HEADER))
                        .contains("bucket=" + check.bucket() + ";variant=" + check.variant().label() + ";");
            }
        })));
        return tests.stream();
    }

    @Test
    void aKeyRotationMidRolloutAcceptsEitherKeyDuringTheOverlapAndRefusesTheOldKeyAfterIt() {
        byte[] k1 = "0123456789abcdef0123456789abcdef".getBytes();
        byte[] k2 = "fedcba9876543210fedcba9876543210".getBytes();
        AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-01T15:00:00Z"));
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        };
        AtomicReference<String> secret = new AtomicReference<>(keys(key("k1", k1, null)));
        EdgeDecisions decisions = new EdgeDecisions(new EdgeDecisionKeys(secret::get, clock, Duration.ofMinutes(5)),
                clock);
        RolloutState five = state("rag-answer-live-v42", 1, RolloutStatus.ACTIVE);

        assertThat(decisions.check(signed("k1", k1, now.get()), five, 0.05).outcome())
                .isEqualTo(EdgeDecisions.Outcome.TRUSTED);
        assertThat(decisions.check(signed("k2", k2, now.get()), five, 0.05).outcome()).as("k2 not issued yet")
                .isEqualTo(EdgeDecisions.Outcome.UNKNOWN_KEY);

        // Rotation starts: k2 added (edges sign with it from its notBefore), k1 kept until its notAfter.
        secret.set(keys(key("k2", k2, null), key("k1", k1, "2026-12-01T16:00:00Z")));
        now.set(Instant.parse("2026-12-01T15:06:00Z"));
        assertThat(decisions.check(signed("k2", k2, now.get()), five, 0.05).outcome())
                .isEqualTo(EdgeDecisions.Outcome.TRUSTED);
        assertThat(decisions.check(signed("k1", k1, now.get()), five, 0.05).outcome()).as("an edge not yet rotated")
                .isEqualTo(EdgeDecisions.Outcome.TRUSTED);

        // Past k1's notAfter (the secret still lists it): refused, whatever the cache holds.
        now.set(Instant.parse("2026-12-01T16:00:01Z"));
        assertThat(decisions.check(signed("k1", k1, now.get()), five, 0.05).outcome())
                .isEqualTo(EdgeDecisions.Outcome.UNKNOWN_KEY);
        // k1 removed from the secret: refused after the next refresh, k2 still trusted.
        secret.set(keys(key("k2", k2, null)));
        now.set(Instant.parse("2026-12-01T16:06:00Z"));
        assertThat(decisions.check(signed("k1", k1, now.get()), five, 0.05).outcome())
                .isEqualTo(EdgeDecisions.Outcome.UNKNOWN_KEY);
        assertThat(decisions.check(signed("k2", k2, now.get()), five, 0.05).outcome())
                .isEqualTo(EdgeDecisions.Outcome.TRUSTED);
    }

    @Test
    void aSecretThatCannotBeReadKeepsTheKeysLastRead() {
        byte[] k1 = "0123456789abcdef0123456789abcdef".getBytes();
        Instant start = Instant.parse("2026-12-01T15:00:00Z");
        AtomicReference<Instant> now = new AtomicReference<>(start);
        Clock clock = Clock.fixed(start, ZoneOffset.UTC);
        List<String> answers = new ArrayList<>(List.of(keys(key("k1", k1, null))));
        EdgeDecisions decisions = new EdgeDecisions(new EdgeDecisionKeys(() -> {
            if (answers.isEmpty()) {
                throw new IllegalStateException("ThrottlingException");
            }
            return answers.remove(0);
        }, clock, Duration.ZERO), clock);
        RolloutState state = state("rag-answer-live-v42", 1, RolloutStatus.ACTIVE);

        assertThat(decisions.check(signed("k1", k1, now.get()), state, 0.05).trusted()).isTrue();
        assertThat(decisions.check(signed("k1", k1, now.get()), state, 0.05).trusted()).as("read failed: kept").isTrue();
    }

    private static Map<String, String> signed(String kid, byte[] key, Instant at) {
        String decision = "rollout=rag-answer-live-v42;epoch=1;bucket=120;variant=canary;iat=" + at.getEpochSecond();
        return Map.of(EdgeDecisions.DECISION_HEADER, decision, EdgeDecisions.SIGNATURE_HEADER, "kid=" + kid + ";sig="
                + Base64.getUrlEncoder().withoutPadding().encodeToString(EdgeDecisions.sign(key, decision)));
    }

    private static String key(String kid, byte[] secret, String notAfter) {
        return "{\"kid\":\"" + kid + "\",\"secret\":\"" + Base64.getEncoder().encodeToString(secret) + "\""
                + (notAfter == null ? "" : ",\"notAfter\":\"" + notAfter + "\"") + "}";
    }

    private static String keys(String... keys) {
        return "{\"keys\":[" + String.join(",", keys) + "]}";
    }

    static RolloutState state(String rolloutId, long epoch, RolloutStatus status) {
        RolloutState initial = Plans.initialState(Plans.twoRegions(), "41");
        return new RolloutState(rolloutId, initial.functionName(), initial.alias(), "41", "42", "five", 0.05, epoch,
                status, Map.of("us-east-1", 0.05), List.of(), "x-tenant-id", "header", 24, "v2-cnr:", 1, 1, null, null,
                Map.of(), Map.of());
    }
}
