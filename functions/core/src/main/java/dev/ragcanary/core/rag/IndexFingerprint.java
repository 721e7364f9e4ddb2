package dev.ragcanary.core.rag;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What identifies a retrieval index: its content hash, distance metric and text analyzer. */
public record IndexFingerprint(@JsonProperty("INDEX_HASH") String indexHash, String metric, String analyzer) {

    @Override
    public String toString() {
        return indexHash + "/" + metric + "/" + analyzer;
    }
}
