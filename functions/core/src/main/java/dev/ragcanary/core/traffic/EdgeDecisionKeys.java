package dev.ragcanary.core.traffic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.SecretReader;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The HMAC keys edges sign their decisions with (contract B), from a Secrets Manager secret {@code {"keys": [{"kid",
 * "secret" (base64), "notBefore"?, "notAfter"?}]}}: at most two valid at a time, current and previous, so a rotation
 * has an overlap window in which decisions signed with either verify. A key is valid until its notAfter; its notBefore
 * only tells edges when to start signing with it (so a verifier already knows a key before any edge uses it). The secret is read again every {@code ttl}; a
 * failed read keeps the keys last read (a router never fails a user over its keys), a secret that cannot be read as
 * keys counts as no keys.
 */
public final class EdgeDecisionKeys {
    private final Supplier<String> secret;
    private final Clock clock;
    private final Duration ttl;
    private volatile Loaded loaded;

    public EdgeDecisionKeys(SecretReader secrets, String secretArn, Clock clock, Duration ttl) {
        this(() -> secrets.secretString(secretArn), clock, ttl);
    }

    EdgeDecisionKeys(Supplier<String> secret, Clock clock, Duration ttl) {
        this.secret = secret;
        this.clock = clock;
        this.ttl = ttl;
    }

    /** kid -> key bytes, for the keys valid now. */
    Map<String, byte[]> valid() {
        Instant now = clock.instant();
        Loaded current = loaded;
        if (current == null || !now.isBefore(current.at().plus(ttl))) {
            List<Key> keys;
            try {
                keys = parse(secret.get());
            } catch (RuntimeException unreadable) {
                keys = current == null ? List.of() : current.keys();
            }
            current = new Loaded(keys, now);
            loaded = current;
        }
        Map<String, byte[]> out = new LinkedHashMap<>();
        current.keys().stream().filter(key -> key.validAt(now)).limit(2).forEach(key -> out.put(key.kid(), key.secret()));
        return out;
    }

    static List<Key> parse(String text) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new IllegalArgumentException("the edge decision key secret is not JSON", e);
        }
        List<Key> keys = new ArrayList<>();
        for (JsonNode key : root.path("keys")) {
            try {
                keys.add(new Key(key.get("kid").asText(), Base64.getDecoder().decode(key.get("secret").asText()),
                        instant(key.get("notBefore")), instant(key.get("notAfter"))));
            } catch (RuntimeException malformed) {
                // one unreadable key must not take the others with it
            }
        }
        return keys;
    }

    private static Instant instant(JsonNode value) {
        try {
            return value == null || value.isNull() ? null : Instant.parse(value.asText());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(e);
        }
    }

    record Key(String kid, byte[] secret, Instant notBefore, Instant notAfter) {
        /** notBefore tells edges when to start signing with the key; a verifier accepts it until its notAfter. */
        boolean validAt(Instant now) {
            return secret.length > 0 && (notAfter == null || now.isBefore(notAfter));
        }
    }

    private record Loaded(List<Key> keys, Instant at) {
    }
}
