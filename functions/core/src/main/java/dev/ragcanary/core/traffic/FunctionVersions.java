package dev.ragcanary.core.traffic;

/** Whether a published version of a function exists in a region (so a rollout never starts on a missing canary). */
public interface FunctionVersions {

    boolean exists(String region, String functionName, String version);
}
