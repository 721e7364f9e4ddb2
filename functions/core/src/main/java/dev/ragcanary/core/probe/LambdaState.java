package dev.ragcanary.core.probe;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * λ state of one (question, paraphrase) across its two seeds (docs/design.md "Definitions"), written with the design's
 * symbols in JSON.
 */
public enum LambdaState {
    /** same top section, |ΔS₁ − ΔS₂| within tolerance, both ΔS at or below the divergence limit. */
    CONVERGENT("→"),
    /** same top section, ΔS differ by more than the tolerance. */
    RECURSIVE("<>"),
    /** top sections differ, or a ΔS above the divergence limit. */
    DIVERGENT("←"),
    /** an error, timeout or schema violation in either seed. */
    CHAOTIC("×");

    private final String symbol;

    LambdaState(String symbol) {
        this.symbol = symbol;
    }

    @JsonValue
    public String symbol() {
        return symbol;
    }

    /** Accepts the symbol or the name, so hand-written evidence can use either. */
    @JsonCreator
    public static LambdaState of(String text) {
        for (LambdaState s : values()) {
            if (s.symbol.equals(text) || s.name().equalsIgnoreCase(text)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown λ state \"" + text + "\"; expected one of → <> ← × or their names");
    }
}
