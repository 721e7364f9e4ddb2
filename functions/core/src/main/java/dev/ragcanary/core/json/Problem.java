package dev.ragcanary.core.json;

/** One thing wrong with an input document: where (a JSON path such as {@code $.stages[2].weight}) and what was expected. */
public record Problem(String path, String message) {
    @Override
    public String toString() {
        return path + ": " + message;
    }
}
