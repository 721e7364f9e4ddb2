package dev.ragcanary.core.ports;

/** Invokes the routed function by qualifier (a version number or the alias name), as the router does per request. */
public interface VersionInvoker {

    /** Synchronous invoke (RequestResponse); never throws for a function error, which comes back in the result. */
    Invocation invoke(String qualifier, byte[] payload);

    /** Fire-and-forget invoke (InvocationType Event), used to mirror shadow traffic to the canary. */
    void invokeAsync(String qualifier, byte[] payload);

    /**
     * @param functionError   Lambda's X-Amz-Function-Error (e.g. Unhandled), null on success
     * @param executedVersion the version that ran (tells which side of an alias split served the request)
     */
    record Invocation(int statusCode, byte[] payload, String functionError, String executedVersion) {
        public boolean failed() {
            return functionError != null || statusCode >= 300;
        }
    }
}
