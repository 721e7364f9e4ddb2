package dev.ragcanary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One row of events/bucket-test-vectors.json, and the check that {@code bucket}'s output agrees with it. */
record BucketVector(String salt, String key, int bucket, Map<String, String> variants) {

    static List<BucketVector> all() {
        try {
            JsonNode doc = Json.MAPPER.readTree(Files.readString(CliRun.repoRoot().resolve("events/bucket-test-vectors.json")));
            List<BucketVector> vectors = new ArrayList<>();
            for (JsonNode row : doc.get("vectors")) {
                Map<String, String> variants = new LinkedHashMap<>();
                row.get("variants").fields().forEachRemaining(stage -> variants.put(stage.getKey(), stage.getValue().asText()));
                vectors.add(new BucketVector(row.get("salt").asText(), row.get("key").asText(), row.get("bucket").asInt(), variants));
            }
            return vectors;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    boolean asciiKey() {
        return key.chars().allMatch(c -> c < 0x80);
    }

    /** {@code out} is what {@code canary bucket} printed for this row: its bucket and the variant at every stage. */
    void assertPrintedBy(String out) {
        assertThat(out).as("output for key %s", key).contains(": bucket " + bucket + " of 10000");
        Map<String, String> printed = new LinkedHashMap<>();
        out.lines().filter(line -> line.contains("->")).map(String::trim)
                .forEach(line -> printed.put(line.substring(0, line.indexOf(' ')), line.substring(line.lastIndexOf(' ') + 1)));
        assertThat(printed).as("variants for key %s", key).isEqualTo(variants);
    }

    @Override
    public String toString() {
        return salt + "/" + key;
    }
}
