package dev.ragcanary.cli.outcome;

/** A request that cannot be carried out as asked (missing setting, unknown rollout): exit 2, nothing changed. */
public final class UsageProblem extends RuntimeException {
    public UsageProblem(String message) {
        super(message);
    }
}
