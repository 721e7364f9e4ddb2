package dev.ragcanary.egress;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestContextTest {
    private static final Instant STARTED = Instant.parse("2026-12-01T15:00:00Z");

    @Test
    void readsTheHeadersTheRouterSetsAndTheRouterRequestIdAsOwner() throws Exception {
        // The shadow copy the router sends the canary: x-exp canary, x-variant the canary version, x-shadow true.
        RequestContext shadow = RequestContext.fromEvent(new ObjectMapper().readTree("""
                {"version": "2.0", "rawPath": "/ask",
                 "headers": {"X-Exp": "canary", "x-variant": "8", "x-shadow": "true", "x-sticky": "user-1"},
                 "requestContext": {"requestId": "JKJaXmPLvHcESHA="}, "body": "{}"}
                """), "lambda-request-id", STARTED);

        assertThat(shadow).isEqualTo(new RequestContext("canary", true, "8", "JKJaXmPLvHcESHA=", STARTED));
    }

    @Test
    void aDirectCallIsALiveControlRequestOwnedByTheLambdaRequest() {
        assertThat(RequestContext.fromEvent(null, "lambda-request-id", STARTED))
                .isEqualTo(new RequestContext("control", false, null, "lambda-request-id", STARTED));
        assertThat(RequestContext.fromHeaders(Map.of("x-exp", "alias"), "r", STARTED).variant()).isEqualTo("control");
    }
}
