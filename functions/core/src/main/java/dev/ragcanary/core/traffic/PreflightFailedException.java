package dev.ragcanary.core.traffic;

import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Problem;
import java.util.List;

/**
 * A rollout that cannot start on its alias and versions as they are ({@link VersionPreflight}); nothing was changed.
 * Not transient: starting again changes nothing until someone fixes what it names.
 */
public final class PreflightFailedException extends InvalidInputException {
    public PreflightFailedException(String rolloutId, List<Problem> problems) {
        super(problems, "rollout " + rolloutId + " cannot start: nothing was changed (no lock, no ledger entry, no"
                + " alias change)");
    }
}
