package dev.ragcanary.core.traffic;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks the decision an edge router signed for the request (contract B): the core trusts it only when its key is one
 * of the valid ones, its HMAC-SHA256 matches, it was made within {@link #MAX_AGE_SECONDS} and it names this rollout,
 * epoch and a variant the state allows; otherwise it says why and the router decides by itself.
 */
public final class EdgeDecisions {
    public static final String DECISION_HEADER = "x-canary-decision";
    public static final String SIGNATURE_HEADER = "x-canary-signature";
    public static final String SIGNING_PREFIX = "rag-canary-decision-v1\n";
    public static final long MAX_AGE_SECONDS = 300;
    private static final Pattern DECISION = Pattern.compile(
            "rollout=([A-Za-z0-9_-]{1,80});epoch=(\\d{1,18});bucket=(\\d|[1-9]\\d{1,3});variant=(control|canary);iat=(\\d{1,12})");
    private static final Pattern SIGNATURE = Pattern.compile("kid=([A-Za-z0-9._-]{1,64});sig=([A-Za-z0-9_-]{43})");

    /** For a router with no key secret configured: a signed decision is from a key it does not know. */
    public static final EdgeDecisions NONE = new EdgeDecisions(null, Clock.systemUTC());

    private final EdgeDecisionKeys keys;
    private final Clock clock;

    public EdgeDecisions(EdgeDecisionKeys keys, Clock clock) {
        this.keys = keys;
        this.clock = clock;
    }

    /** What the telemetry line says in {@code routing.edge_decision}. */
    public enum Outcome {
        TRUSTED, ABSENT, BAD_SIGNATURE, UNKNOWN_KEY, EXPIRED, STALE_EPOCH, MALFORMED;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** @param variant and {@code bucket} the edge decided, set only when TRUSTED */
    public record Check(Outcome outcome, Variant variant, int bucket) {
        static Check of(Outcome outcome) {
            return new Check(outcome, null, -1);
        }

        public boolean trusted() {
            return outcome == Outcome.TRUSTED;
        }
    }

    /**
     * @param headers lower-case header names
     * @param state   the rollout state the router routes by (null: none)
     * @param weight  the canary weight in this router's region
     */
    public Check check(Map<String, String> headers, RolloutState state, double weight) {
        String decision = headers.get(DECISION_HEADER);
        String signature = headers.get(SIGNATURE_HEADER);
        if (decision == null && signature == null) {
            return Check.of(Outcome.ABSENT);
        }
        Matcher d = decision == null ? null : DECISION.matcher(decision);
        Matcher s = signature == null ? null : SIGNATURE.matcher(signature);
        if (d == null || s == null || !d.matches() || !s.matches()) {
            return Check.of(Outcome.MALFORMED);
        }
        byte[] key = keys == null ? null : keys.valid().get(s.group(1));
        if (key == null) {
            return Check.of(Outcome.UNKNOWN_KEY);
        }
        byte[] given;
        try {
            given = Base64.getUrlDecoder().decode(s.group(2));
        } catch (IllegalArgumentException notBase64) {
            return Check.of(Outcome.MALFORMED);
        }
        if (!MessageDigest.isEqual(sign(key, decision), given)) {
            return Check.of(Outcome.BAD_SIGNATURE);
        }
        long iat = Long.parseLong(d.group(5));
        if (Math.abs(clock.instant().getEpochSecond() - iat) > MAX_AGE_SECONDS) {
            return Check.of(Outcome.EXPIRED);
        }
        Variant variant = Variant.fromLabel(d.group(4));
        int bucket = Integer.parseInt(d.group(3));
        boolean current = state != null && d.group(1).equals(state.rolloutId())
                && Long.parseLong(d.group(2)) == state.epoch()
                && (variant == Variant.CONTROL || state.status() == RolloutStatus.ACTIVE && weight > 0);
        if (!current) {
            return Check.of(Outcome.STALE_EPOCH);
        }
        return new Check(Outcome.TRUSTED, variant, bucket);
    }

    /** HMAC-SHA256(key, prefix + decision): what an edge puts, base64url without padding, in {@code sig}. */
    public static byte[] sign(byte[] key, String decision) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal((SIGNING_PREFIX + decision).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }
}
