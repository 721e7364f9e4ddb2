package dev.ragcanary.router;

/** What the routed function receives. */
public enum DownstreamPayload {
    /**
     * The HTTP event itself (API Gateway HTTP API v2 / Function URL format) with {@code x-exp}, {@code x-sticky} and
     * {@code x-variant} headers added: for functions that sit behind a Function URL themselves.
     */
    EVENT,
    /** Only the request's JSON body, unchanged: for functions invoked directly with their own input document. */
    BODY
}
