package dev.ragcanary.core.traffic;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.rollout.RolloutRequest;
import dev.ragcanary.core.rollout.RolloutRequestParser;

/** Start inputs for traffic tests. */
final class Plans {
    private Plans() {
    }

    private static final String TWO_REGIONS = """
            {"rolloutId": "rag-answer-live-v42",
             "target": {"functionName": "rag-answer", "alias": "live", "canaryVersion": "42"},
             "sticky": {"keyAttribute": "x-tenant-id", "source": "header", "hours": 24},
             "trustedTenants": ["acme-internal"],
             "expectedIndex": {"INDEX_HASH": "0x9a77", "metric": "cosine", "analyzer": "bilstem"},
             "cachePrefixes": {"control": "v1:", "canary": "v2-cnr:"},
             "probeSet": "s3://rag-canary-probes/gold/rag-answer.json",
             "regions": ["us-east-1", "eu-west-1"]}
            """;

    static RolloutRequest twoRegions() {
        return RolloutRequestParser.parse(TWO_REGIONS);
    }

    /** {@link #twoRegions()} publishing to two edges, "cloudflare" and "fastly". */
    static RolloutRequest withEdges() {
        ObjectNode plan = (ObjectNode) Json.parse("plan", TWO_REGIONS);
        plan.set("edges", Json.parse("edges", """
                [{"platform": "cloudflare-kv", "name": "cloudflare", "accountId": "023e105f4ecef8ad9ca31a8372d0c353",
                  "namespaceId": "0f2ac74b498b48028cb68387c421e279",
                  "tokenSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:rag-canary/edge/cf-AbCdEf"},
                 {"platform": "fastly-config-store", "name": "fastly", "storeId": "7Xb2mQpR9sT4",
                  "tokenSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:rag-canary/edge/fy-AbCdEf"}]
                """));
        return RolloutRequestParser.parse(plan);
    }

    /** {@link #twoRegions()} with the canary published as version 17 in eu-west-1. */
    static RolloutRequest perRegionVersions() {
        return RolloutRequestParser.parse("""
                {"rolloutId": "rag-answer-live-v42",
                 "target": {"functionName": "rag-answer", "alias": "live", "canaryVersion": "42",
                            "canaryVersions": {"eu-west-1": "17"}},
                 "sticky": {"keyAttribute": "x-tenant-id", "source": "header", "hours": 24},
                 "expectedIndex": {"INDEX_HASH": "0x9a77", "metric": "cosine", "analyzer": "bilstem"},
                 "cachePrefixes": {"control": "v1:", "canary": "v2-cnr:"},
                 "probeSet": "s3://rag-canary-probes/gold/rag-answer.json",
                 "regions": ["us-east-1", "eu-west-1"]}
                """);
    }

    /** {@link #twoRegions()} on a custom ladder whose promotion stage is called "ga", not "full". */
    static RolloutRequest customLadder() {
        return RolloutRequestParser.parse("""
                {"rolloutId": "rag-answer-live-v42",
                 "target": {"functionName": "rag-answer", "alias": "live", "canaryVersion": "42"},
                 "sticky": {"keyAttribute": "x-tenant-id", "source": "header", "hours": 24},
                 "expectedIndex": {"INDEX_HASH": "0x9a77", "metric": "cosine", "analyzer": "bilstem"},
                 "cachePrefixes": {"control": "v1:", "canary": "v2-cnr:"},
                 "probeSet": "s3://rag-canary-probes/gold/rag-answer.json",
                 "regions": ["us-east-1", "eu-west-1"],
                 "stages": [{"name": "shadow"}, {"name": "half", "weight": 0.5}, {"name": "ga", "weight": 1}]}
                """);
    }

    static RolloutRequest other() {
        return RolloutRequestParser.parse("""
                {"rolloutId": "rag-answer-live-v43",
                 "target": {"functionName": "rag-answer", "alias": "live", "canaryVersion": "43"},
                 "sticky": {"keyAttribute": "x-tenant-id"},
                 "expectedIndex": {"INDEX_HASH": "0x9a77", "metric": "cosine", "analyzer": "bilstem"},
                 "cachePrefixes": {"control": "v1:", "canary": "v3-cnr:"},
                 "probeSet": "s3://rag-canary-probes/gold/rag-answer.json",
                 "regions": ["us-east-1", "eu-west-1"]}
                """);
    }

    /** {@link #other()} naming the same function by its full ARN. */
    static RolloutRequest otherAsArn() {
        return RolloutRequestParser.parse("""
                {"rolloutId": "rag-answer-live-v43",
                 "target": {"functionName": "arn:aws:lambda:us-east-1:123456789012:function:rag-answer",
                            "alias": "live", "canaryVersion": "43"},
                 "sticky": {"keyAttribute": "x-tenant-id"},
                 "expectedIndex": {"INDEX_HASH": "0x9a77", "metric": "cosine", "analyzer": "bilstem"},
                 "cachePrefixes": {"control": "v1:", "canary": "v3-cnr:"},
                 "probeSet": "s3://rag-canary-probes/gold/rag-answer.json",
                 "regions": ["us-east-1", "eu-west-1"]}
                """);
    }

    /** The state a fresh rollout of {@code plan} starts in, with no owner execution. */
    static RolloutState initialState(RolloutRequest plan, String controlVersion) {
        return RolloutState.initial(plan, controlVersion, null, Step.first("start-" + plan.rolloutId()),
                java.time.Instant.parse("2026-01-01T00:00:00Z"));
    }
}
