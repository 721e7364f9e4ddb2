package dev.ragcanary.bench.router;

import dev.ragcanary.core.traffic.RolloutState;
import dev.ragcanary.core.traffic.RolloutStatus;
import dev.ragcanary.core.ports.RolloutStateReader;
import dev.ragcanary.core.traffic.RouteRequest;
import dev.ragcanary.core.traffic.StickyRouter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The rollout the router benchmarks route for: rag-answer:live at 25 %, keyed by {@code x-tenant-id}. */
final class BenchRollouts {
    static final String FUNCTION = "rag-answer";
    static final String ALIAS = "live";
    static final StickyRouter.Settings SETTINGS = new StickyRouter.Settings(FUNCTION, ALIAS, "us-east-1",
            Duration.ofSeconds(5), 0);

    private BenchRollouts() {
    }

    static RolloutState active() {
        return new RolloutState("rag-answer-live-v42", FUNCTION, ALIAS, "41", "42", "twentyfive", 0.25, 1,
                RolloutStatus.ACTIVE, Map.of("us-east-1", 0.25), List.of("acme-internal"), "x-tenant-id", "header", 24,
                "v2-cnr:", 5, 0, null, null, Map.of(), Map.of());
    }

    /** A store that always answers {@code state} from memory (the state cache makes reads rare anyway). */
    static RolloutStateReader fixed(RolloutState state) {
        return (functionName, alias) -> Optional.of(state);
    }

    static RouteRequest[] requests(int users) {
        RouteRequest[] requests = new RouteRequest[users];
        for (int i = 0; i < users; i++) {
            requests[i] = new RouteRequest(Map.of("x-tenant-id", "tenant-" + i), () -> null);
        }
        return requests;
    }
}
