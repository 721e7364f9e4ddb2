package dev.ragcanary.shifter;

import dev.ragcanary.core.json.Problem;
import dev.ragcanary.core.rollout.ProbeSetLocations;
import dev.ragcanary.core.rollout.RolloutRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the stack lets a rollout touch, beyond what IAM can say: the aliases it may shift (IAM authorizes UpdateAlias
 * per function, not per alias) and where the probe replay may read probe sets.
 *
 * @param targetAliases     the stack's {@code targetAliases}; empty: any alias (a local run)
 * @param probeSetLocations the stack's grant to the probe replay
 */
public record StackLimits(Set<String> targetAliases, ProbeSetLocations probeSetLocations) {
    /** No stack: for local runs, where no grant applies. */
    public static final StackLimits NONE = new StackLimits(Set.of(), ProbeSetLocations.ANYWHERE);

    public StackLimits {
        targetAliases = Set.copyOf(targetAliases);
    }

    /** Every way {@code plan} reaches outside the limits, each naming its field. */
    List<Problem> problems(RolloutRequest plan) {
        List<Problem> problems = new ArrayList<>();
        String alias = plan.target().alias();
        if (!targetAliases.isEmpty() && !targetAliases.contains(alias)) {
            problems.add(new Problem("$.rollout.target.alias", "this controller may shift only the aliases "
                    + new TreeSet<>(targetAliases) + " (the stack's targetAliases), not " + alias));
        }
        probeSetLocations.problem(plan, "$.rollout.probeSet").ifPresent(problems::add);
        return problems;
    }
}
