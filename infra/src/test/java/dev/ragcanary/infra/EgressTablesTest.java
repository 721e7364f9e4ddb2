package dev.ragcanary.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** The canary sink and the claims table as the egress library and the gate's metrics source expect them. */
class EgressTablesTest {
    private static Template template;
    private static TemplateJson json;

    @BeforeAll
    static void synthesize() {
        template = SynthesizedController.production().template;
        json = new TemplateJson(template);
    }

    @Test
    void theSinkIsKeyedByDedupeKeyExpiresAndIsIndexedByFunctionVersionAndEmissionTime() {
        template.hasResourceProperties("AWS::DynamoDB::Table", Map.of(
                "TableName", "prod-canary-egress-sink",
                "BillingMode", "PAY_PER_REQUEST",
                "PointInTimeRecoverySpecification", Map.of("PointInTimeRecoveryEnabled", true),
                "KeySchema", List.of(Map.of("AttributeName", "dedupeKey", "KeyType", "HASH")),
                "TimeToLiveSpecification", Map.of("AttributeName", "expiresAt", "Enabled", true),
                "AttributeDefinitions", Match.arrayWith(List.of(
                        Map.of("AttributeName", "functionVersion", "AttributeType", "S"),
                        Map.of("AttributeName", "emittedAt", "AttributeType", "N"))),
                "GlobalSecondaryIndexes", List.of(Map.of(
                        "IndexName", "byFunctionVersion",
                        "KeySchema", List.of(Map.of("AttributeName", "functionVersion", "KeyType", "HASH"),
                                Map.of("AttributeName", "emittedAt", "KeyType", "RANGE")),
                        "Projection", Map.of("ProjectionType", "ALL")))));
    }

    @Test
    void theClaimsTableIsKeyedByDedupeKeyAndExpiresWithoutAnIndex() {
        JsonNode claims = json.ofType("AWS::DynamoDB::Table").values().stream()
                .filter(t -> t.at("/Properties/TableName").asText().equals("prod-canary-egress-claims"))
                .findFirst().orElseThrow().path("Properties");

        assertThat(claims.path("KeySchema").toString()).isEqualTo("[{\"AttributeName\":\"dedupeKey\",\"KeyType\":\"HASH\"}]");
        assertThat(claims.at("/TimeToLiveSpecification/AttributeName").asText()).isEqualTo("expiresAt");
        assertThat(claims.at("/BillingMode").asText()).isEqualTo("PAY_PER_REQUEST");
        assertThat(claims.at("/PointInTimeRecoverySpecification/PointInTimeRecoveryEnabled").asBoolean()).isTrue();
        assertThat(claims.has("GlobalSecondaryIndexes")).isFalse();
    }

    @Test
    void theTeamsFunctionGetsAManagedPolicyWithExactlyWhatTheLibraryCalls() {
        List<JsonNode> policies = List.copyOf(json.ofType("AWS::IAM::ManagedPolicy").values());
        assertThat(policies).hasSize(1);
        JsonNode statements = policies.get(0).at("/Properties/PolicyDocument/Statement");
        assertThat(statements).hasSize(2);
        JsonNode claim = statements.get(0);
        JsonNode sink = statements.get(1);
        assertThat(TemplateJson.actions(claim))
                .containsExactlyInAnyOrder("dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem");
        assertThat(TemplateJson.resources(claim)).singleElement().asString().contains("EgressClaims");
        assertThat(TemplateJson.actions(sink)).containsExactly("dynamodb:PutItem");
        assertThat(TemplateJson.resources(sink)).singleElement().asString().contains("EgressSink");
        assertThat(policies.get(0).at("/Properties/Roles").isMissingNode()).isTrue(); // the team attaches it
    }

    @Test
    void theGateQueriesOnlyTheSinksIndexInEachRolloutRegionAndIsToldItsNameAndIndex() {
        JsonNode query = json.statementsOf("GateEvaluationRole").stream()
                .filter(s -> TemplateJson.actions(s).contains("dynamodb:Query")).findFirst().orElseThrow();

        assertThat(TemplateJson.actions(query)).containsExactly("dynamodb:Query");
        assertThat(TemplateJson.resources(query)).containsExactly(
                "arn:aws:dynamodb:us-east-1:123456789012:table/prod-canary-egress-sink/index/byFunctionVersion",
                "arn:aws:dynamodb:eu-west-2:123456789012:table/prod-canary-egress-sink/index/byFunctionVersion");
        JsonNode gate = json.ofType("AWS::Lambda::Function").values().stream()
                .filter(f -> f.at("/Properties/Environment/Variables").has("TELEMETRY_LOG_GROUP"))
                .findFirst().orElseThrow().at("/Properties/Environment/Variables");
        assertThat(TemplateJson.render(gate.get("EGRESS_SINK_TABLE"))).contains("EgressSink");
        assertThat(gate.get("EGRESS_SINK_INDEX").asText()).isEqualTo("byFunctionVersion");
    }

    @Test
    void theTableNamesArnsAndPolicyAreStackOutputs() {
        for (String output : List.of("EgressSinkTableName", "EgressSinkTableArn", "EgressClaimsTableName",
                "EgressClaimsTableArn", "EgressWriterPolicyArn")) {
            template.hasOutput(output, Match.objectLike(Map.of("Value", Match.anyValue())));
        }
    }
}
