package dev.ragcanary.cli;

import dev.ragcanary.core.calibration.Calibration;
import dev.ragcanary.core.rollout.RolloutRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A start input's calibration when it names a local file: read strictly, so a bad one is refused before anything runs. */
final class LocalCalibration {
    private LocalCalibration() {
    }

    /**
     * Checks {@code plan}'s calibration if it is a file (relative to the working directory); a key that is no local file
     * is left to the gate, which reads it from the evidence bucket.
     */
    static void check(RolloutRequest plan, Path startFile) throws IOException {
        if (plan.calibration() == null) {
            return;
        }
        Path file = Path.of(plan.calibration());
        if (Files.isRegularFile(file)) {
            Calibration.parse("calibration " + file + " ($.calibration of " + startFile + ")", Files.readString(file));
        }
    }
}
