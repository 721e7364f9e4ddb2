package dev.ragcanary.core.probe;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * One gold question of a probe set. Only the paraphrases are sent to the target (3 × 2 seeds per variant); the
 * canonical {@code question} names the probe in reports.
 *
 * @param targetSections         section ids a good retrieval returns (coverage by ids); may be empty when
 *                               {@code targetText} is given
 * @param targetText             text a good retrieval contains (coverage by token overlap), or null
 * @param expectedResponseSchema an extra JSON Schema every response to this probe must satisfy, or null
 */
public record Probe(
        String id,
        String topic,
        String question,
        List<String> paraphrases,
        List<String> targetSections,
        String targetText,
        JsonNode expectedResponseSchema) {

    public Probe {
        paraphrases = List.copyOf(paraphrases);
        targetSections = targetSections == null ? List.of() : List.copyOf(targetSections);
    }
}
