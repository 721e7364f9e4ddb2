package dev.ragcanary.adapters.s3;

import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Problem;
import dev.ragcanary.core.probe.ProbeSet;
import dev.ragcanary.core.probe.ProbeSetParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** Loads and validates a probe set from {@code s3://bucket/key} or a local path (the start input's probeSet). */
public final class ProbeSetLoader {
    private final Supplier<S3Client> s3;

    /** @param s3 asked for a client only when a location is on S3 */
    public ProbeSetLoader(Supplier<S3Client> s3) {
        this.s3 = s3;
    }

    /**
     * @throws InvalidInputException when the location is missing (S3's 404, or its 403 to a role that may not list
     *                               the bucket, named as missing or not readable) or the probe set has problems
     */
    public ProbeSet load(String location) {
        return ProbeSetParser.parse(read(location));
    }

    String read(String location) {
        if (location.startsWith("s3://")) {
            String rest = location.substring("s3://".length());
            int slash = rest.indexOf('/');
            if (slash <= 0 || slash == rest.length() - 1) {
                throw notFound(location, "expected s3://bucket/key");
            }
            String bucket = rest.substring(0, slash);
            String key = rest.substring(slash + 1);
            try {
                return s3.get().getObjectAsBytes(r -> r.bucket(bucket).key(key)).asUtf8String();
            } catch (NoSuchKeyException | NoSuchBucketException e) {
                throw notFound(location, "no such object");
            } catch (S3Exception e) {
                if (e.statusCode() == S3AccessDeniedException.FORBIDDEN) {
                    throw new InvalidInputException("probe set location",
                            List.of(new Problem("$.probeSet", S3AccessDeniedException.message(bucket, key, e))));
                }
                throw e;
            }
        }
        try {
            return Files.readString(Path.of(location));
        } catch (NoSuchFileException e) {
            throw notFound(location, "no such file");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read probe set " + location, e);
        }
    }

    private static InvalidInputException notFound(String location, String why) {
        return new InvalidInputException("probe set location", List.of(new Problem("$.probeSet", why + ": " + location)));
    }
}
