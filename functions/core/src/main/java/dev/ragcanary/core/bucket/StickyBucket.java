package dev.ragcanary.core.bucket;

import dev.ragcanary.core.rollout.StageLadder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Sticky bucketing shared by every router: bucket = first 8 bytes of SHA-256(UTF-8(salt + ":" + key)) read as an
 * unsigned 64-bit big-endian integer, modulo 10 000. A key is on the canary iff bucket &lt; round(weight × 10 000),
 * so raising the weight only ever adds keys to the canary. Test vectors for other languages live in
 * {@code events/bucket-test-vectors.json}.
 */
public final class StickyBucket {
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    });

    private StickyBucket() {
    }

    public static int bucket(String salt, String stickyKey) {
        MessageDigest digest = SHA256.get();
        byte[] hash = digest.digest((salt + ":" + stickyKey).getBytes(StandardCharsets.UTF_8));
        long high = 0;
        for (int i = 0; i < 8; i++) {
            high = (high << 8) | (hash[i] & 0xFF);
        }
        return (int) Long.remainderUnsigned(high, StageLadder.BUCKETS);
    }

    public static boolean isCanary(int bucket, double weight) {
        return bucket < Math.round(weight * StageLadder.BUCKETS);
    }

    public static boolean isCanary(String salt, String stickyKey, double weight) {
        return isCanary(bucket(salt, stickyKey), weight);
    }
}
