package dev.ragcanary.core.traffic;

import java.util.Locale;

/** Where a request goes: one version by qualifier, or the alias (split at random by its own weights). */
public enum Variant {
    CONTROL, CANARY, ALIAS;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a label such as {@code canary}; null for anything else. */
    public static Variant fromLabel(String label) {
        if (label == null) {
            return null;
        }
        return switch (label.trim().toLowerCase(Locale.ROOT)) {
            case "control" -> CONTROL;
            case "canary" -> CANARY;
            default -> null;
        };
    }
}
