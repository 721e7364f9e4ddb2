package dev.ragcanary.core.ports;

import java.util.Optional;

/**
 * The configuration of a function's versions in a region (GetFunctionConfiguration with the version as qualifier):
 * what a rollout checks before it starts, because a weighted alias takes only two published, ready versions with the
 * same execution role and the same dead-letter queue.
 */
public interface FunctionVersions {

    /** The version's configuration, or empty when the version does not exist in {@code region}. */
    Optional<VersionConfiguration> configuration(String region, String functionName, String version);

    /**
     * What Lambda reports of a version.
     *
     * @param version          the version the answer is about ({@code $LATEST} for the unpublished one)
     * @param state            {@code Pending}, {@code Active}, {@code Inactive} or {@code Failed}
     * @param lastUpdateStatus {@code InProgress}, {@code Successful} or {@code Failed}
     * @param role             the execution role's ARN
     * @param deadLetterTarget the dead-letter queue's or topic's ARN, null when the version has none
     */
    record VersionConfiguration(String version, String state, String lastUpdateStatus, String role,
                                String deadLetterTarget) {
        public static final String LATEST = "$LATEST";
        public static final String ACTIVE = "Active";
        public static final String SUCCESSFUL = "Successful";

        /** A published version that is ready to take alias weight. */
        public static VersionConfiguration ready(String version, String role, String deadLetterTarget) {
            return new VersionConfiguration(version, ACTIVE, SUCCESSFUL, role, deadLetterTarget);
        }
    }
}
