package dev.ragcanary.adapters.s3;

import dev.ragcanary.aws.AwsClients;
import java.net.URI;
import java.util.Map;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * S3 client settings on top of {@link AwsClients}: path-style addressing (so a local endpoint works without DNS
 * tricks) and checksums only where S3 requires them (small JSON documents need no streaming trailer).
 */
public final class S3Clients {
    private S3Clients() {
    }

    public static S3Client fromEnv(Map<String, String> env) {
        return AwsClients.build(builder(), "s3", env);
    }

    public static S3Client of(URI endpoint, Region region) {
        return AwsClients.build(builder(), endpoint, region);
    }

    private static software.amazon.awssdk.services.s3.S3ClientBuilder builder() {
        return S3Client.builder()
                .forcePathStyle(true)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED);
    }
}
