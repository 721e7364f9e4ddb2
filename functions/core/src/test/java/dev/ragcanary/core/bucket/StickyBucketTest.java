package dev.ragcanary.core.bucket;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.RepoFiles;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.rollout.Stage;
import dev.ragcanary.core.rollout.StageLadder;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import org.junit.jupiter.api.Test;

class StickyBucketTest {

    /** The published vectors (computed independently of this class) are what other routers check against. */
    @Test
    void reproducesEveryPublishedTestVector() throws Exception {
        JsonNode doc = Json.MAPPER.readTree(RepoFiles.read("events/bucket-test-vectors.json"));
        assertThat(doc.get("vectors").size()).isGreaterThanOrEqualTo(20);
        for (JsonNode v : doc.get("vectors")) {
            String salt = v.get("salt").asText();
            String key = v.get("key").asText();
            int bucket = StickyBucket.bucket(salt, key);
            assertThat(bucket).as("bucket of %s/%s", salt, key).isEqualTo(v.get("bucket").asInt());
            for (Stage stage : StageLadder.DEFAULT) {
                String expected = v.get("variants").get(stage.name()).asText();
                assertThat(StickyBucket.isCanary(bucket, stage.weight()) ? "canary" : "control")
                        .as("%s at %s", key, stage.name()).isEqualTo(expected);
            }
        }
    }

    @Test
    void shadowSendsNobodyAndFullSendsEverybody() {
        assertThat(StickyBucket.isCanary(0, 0.0)).isFalse();
        assertThat(StickyBucket.isCanary(9_999, 1.0)).isTrue();
        assertThat(StickyBucket.isCanary(99, 0.01)).isTrue();
        assertThat(StickyBucket.isCanary(100, 0.01)).isFalse();
    }

    @Property(tries = 300)
    void raisingTheWeightNeverMovesAKeyBackToControl(@ForAll("keys") String key, @ForAll("salts") String salt,
                                                    @ForAll @DoubleRange(min = 0, max = 1) double lower,
                                                    @ForAll @DoubleRange(min = 0, max = 1) double higher) {
        double low = Math.min(lower, higher);
        double high = Math.max(lower, higher);
        if (StickyBucket.isCanary(salt, key, low)) {
            assertThat(StickyBucket.isCanary(salt, key, high)).isTrue();
        }
    }

    @Property(tries = 200)
    void bucketsStayInRange(@ForAll("keys") String key, @ForAll("salts") String salt) {
        assertThat(StickyBucket.bucket(salt, key)).isBetween(0, StageLadder.BUCKETS - 1);
    }

    /** Chi-square over 100 bins of 100 000 keys: 99 degrees of freedom, 0.999 quantile is 148.2. */
    @Test
    void bucketsAreUniformOverAHundredThousandKeys() {
        int keys = 100_000;
        int bins = 100;
        long[] counts = new long[bins];
        IntStream.range(0, keys).forEach(i -> counts[StickyBucket.bucket("uniformity", "user-" + i) * bins / StageLadder.BUCKETS]++);
        double expected = (double) keys / bins;
        double chiSquare = 0;
        for (long c : counts) {
            chiSquare += (c - expected) * (c - expected) / expected;
        }
        assertThat(chiSquare).isLessThan(148.2);
        long onCanaryAtFive = IntStream.range(0, keys).filter(i -> StickyBucket.isCanary("uniformity", "user-" + i, 0.05)).count();
        assertThat(onCanaryAtFive).isBetween(4_800L, 5_200L);
    }

    @Provide
    Arbitrary<String> keys() {
        return Arbitraries.strings().ofMinLength(0).ofMaxLength(40);
    }

    @Provide
    Arbitrary<String> salts() {
        List<String> salts = new ArrayList<>(List.of("rag-answer-live-v42", "s", ""));
        return Arbitraries.oneOf(Arbitraries.of(salts), Arbitraries.strings().alpha().ofMaxLength(20));
    }
}
