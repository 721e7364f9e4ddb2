package dev.ragcanary.core.traffic;

import dev.ragcanary.core.json.Problem;
import dev.ragcanary.core.ports.AliasControl;
import dev.ragcanary.core.ports.AliasControl.AliasState;
import dev.ragcanary.core.ports.FunctionVersions;
import dev.ragcanary.core.ports.FunctionVersions.VersionConfiguration;
import dev.ragcanary.core.rollout.RolloutRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a rollout checks in every region before it takes the alias lock. The alias routes to one version only, not yet
 * the canary; that version (the control) and the canary are what a weighted alias requires of its two versions: both
 * published (not {@code $LATEST}), {@code State} Active with {@code LastUpdateStatus} Successful, the same execution
 * role and the same dead-letter queue. Otherwise UpdateAlias would fail mid-rollout, or the canary would get weight
 * Lambda cannot invoke. Every problem in every region is reported at once, and nothing is changed.
 */
final class VersionPreflight {
    private final AliasControl aliases;
    private final FunctionVersions versions;

    VersionPreflight(AliasControl aliases, FunctionVersions versions) {
        this.aliases = aliases;
        this.versions = versions;
    }

    /**
     * @return region -> the version the alias points at there (the control), in the plan's region order
     * @throws PreflightFailedException naming every problem found, each at the start input field it concerns
     */
    Map<String, String> controlVersions(RolloutRequest plan) {
        RolloutRequest.Target target = plan.target();
        List<Problem> problems = new ArrayList<>();
        Map<String, String> controls = new LinkedHashMap<>();
        for (String region : plan.regions()) {
            AliasState alias = aliases.read(region, target.functionName(), target.alias());
            String control = alias.functionVersion();
            String canary = target.canaryVersionIn(region);
            String aliasName = "alias " + target.functionName() + ":" + target.alias() + " in " + region;
            controls.put(region, control);
            if (control.equals(canary)) {
                problems.add(new Problem("$.target.alias", aliasName + " already points at canary version " + canary
                        + "; nothing to roll out"));
                continue;
            }
            if (alias.additionalVersionWeights().values().stream().anyMatch(w -> w > 0)) {
                problems.add(new Problem("$.target.alias", aliasName + " already routes "
                        + alias.additionalVersionWeights() + " besides version " + control
                        + "; finish or roll back that split before starting a rollout"));
            }
            Optional<VersionConfiguration> controlConfig = checked(problems, "$.target.alias", region,
                    "control version " + control + " (" + target.alias() + " points at it)", target.functionName(),
                    control);
            Optional<VersionConfiguration> canaryConfig = checked(problems, canaryPath(target, region), region,
                    "canary version " + canary, target.functionName(), canary);
            if (controlConfig.isPresent() && canaryConfig.isPresent()) {
                compare(problems, canaryPath(target, region), region, canary, control, "Role", canaryConfig.get().role(),
                        controlConfig.get().role(), "the same execution role on both versions");
                compare(problems, canaryPath(target, region), region, canary, control, "DeadLetterConfig.TargetArn",
                        canaryConfig.get().deadLetterTarget(), controlConfig.get().deadLetterTarget(),
                        "the same dead-letter queue on both versions, or none on either");
            }
        }
        if (!problems.isEmpty()) {
            throw new PreflightFailedException(plan.rolloutId(), problems);
        }
        return controls;
    }

    /** The version's own requirements: it exists, is published, Active, and its last update succeeded. */
    private Optional<VersionConfiguration> checked(List<Problem> problems, String path, String region, String which,
                                                   String functionName, String version) {
        Optional<VersionConfiguration> found = versions.configuration(region, functionName, version);
        String where = "in " + region + ", " + which + ": ";
        if (found.isEmpty()) {
            problems.add(new Problem(path, where + "not found (GetFunctionConfiguration answered"
                    + " ResourceNotFoundException); publish it in " + region + " or name the version published there"));
            return found;
        }
        VersionConfiguration config = found.get();
        if (VersionConfiguration.LATEST.equals(config.version())) {
            problems.add(new Problem(path, where + "Version is $LATEST, expected a published version (a weighted"
                    + " alias cannot route to $LATEST)"));
        }
        if (!VersionConfiguration.ACTIVE.equals(config.state())) {
            problems.add(new Problem(path, where + "State is " + config.state() + ", expected "
                    + VersionConfiguration.ACTIVE + " (Lambda invokes a version only while it is Active)"));
        }
        if (!VersionConfiguration.SUCCESSFUL.equals(config.lastUpdateStatus())) {
            problems.add(new Problem(path, where + "LastUpdateStatus is " + config.lastUpdateStatus() + ", expected "
                    + VersionConfiguration.SUCCESSFUL));
        }
        return found;
    }

    private static void compare(List<Problem> problems, String path, String region, String canary, String control,
                                String field, String canaryValue, String controlValue, String requirement) {
        if (!Objects.equals(canaryValue, controlValue)) {
            problems.add(new Problem(path, "in " + region + ", canary version " + canary + ": " + field + " is "
                    + shown(canaryValue) + ", expected " + shown(controlValue) + " as on control version " + control
                    + " (a weighted alias needs " + requirement + ")"));
        }
    }

    private static String shown(String value) {
        return value == null ? "none" : value;
    }

    /** The start input field that named the region's canary version. */
    private static String canaryPath(RolloutRequest.Target target, String region) {
        return target.canaryVersions().containsKey(region) ? "$.target.canaryVersions." + region
                : "$.target.canaryVersion";
    }
}
