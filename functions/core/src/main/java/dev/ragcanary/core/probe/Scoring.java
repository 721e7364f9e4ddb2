package dev.ragcanary.core.probe;

import java.util.Collection;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** The per-probe scores of docs/design.md "Definitions": ΔS and coverage. */
public final class Scoring {
    private static final Pattern NON_WORD = Pattern.compile("[^\\p{L}\\p{N}]+");
    /** Function words carry no evidence that the target text was retrieved. */
    private static final Set<String> STOP_WORDS = Set.of("a", "an", "and", "are", "as", "at", "be", "by", "for",
            "from", "if", "in", "is", "it", "its", "of", "on", "or", "that", "the", "this", "to", "was", "when",
            "which", "with");

    private Scoring() {
    }

    /**
     * ΔS = 1 − cos(question, retrieved). A zero vector (nothing retrieved) has no direction, so it scores 1: as far
     * as an unrelated text.
     */
    public static double deltaS(float[] question, float[] retrieved) {
        if (question.length != retrieved.length) {
            throw new IllegalArgumentException("embeddings differ in dimension: " + question.length + " vs " + retrieved.length);
        }
        double dot = 0;
        double nq = 0;
        double nr = 0;
        for (int i = 0; i < question.length; i++) {
            dot += (double) question[i] * retrieved[i];
            nq += (double) question[i] * question[i];
            nr += (double) retrieved[i] * retrieved[i];
        }
        if (nq == 0 || nr == 0) {
            return 1.0;
        }
        double cos = Math.max(-1.0, Math.min(1.0, dot / Math.sqrt(nq * nr)));
        return 1.0 - cos;
    }

    /** |retrieved ∩ target| / |target| over section ids; 0 for an empty target. */
    public static double sectionCoverage(Collection<String> targetSections, Collection<String> retrievedSections) {
        Set<String> target = new HashSet<>(targetSections);
        if (target.isEmpty()) {
            return 0.0;
        }
        Set<String> hit = new HashSet<>(retrievedSections);
        hit.retainAll(target);
        return (double) hit.size() / target.size();
    }

    /** Share of the target text's content words (lower-cased, stop words dropped) found in the retrieved text. */
    public static double tokenOverlap(String targetText, String retrievedText) {
        Set<String> target = tokens(targetText);
        if (target.isEmpty()) {
            return 0.0;
        }
        Set<String> retrieved = tokens(retrievedText);
        long found = target.stream().filter(retrieved::contains).count();
        return (double) found / target.size();
    }

    /** Coverage for one probe: by section ids when the probe names any, otherwise by token overlap with its text. */
    public static double coverage(Probe probe, Collection<String> retrievedSections, String retrievedText) {
        return probe.targetSections().isEmpty()
                ? tokenOverlap(probe.targetText(), retrievedText)
                : sectionCoverage(probe.targetSections(), retrievedSections);
    }

    static Set<String> tokens(String text) {
        Set<String> out = new HashSet<>();
        if (text == null) {
            return out;
        }
        for (String t : NON_WORD.split(text.toLowerCase(Locale.ROOT))) {
            if (!t.isEmpty() && !STOP_WORDS.contains(t)) {
                out.add(t);
            }
        }
        return out;
    }
}
