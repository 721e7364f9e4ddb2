package dev.ragcanary.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Template;

/** The switches a test stack uses: no deletion protection, no dashboard, an existing topic, the demo target. */
class TestStackConfigurationTest {
    private static final String TEAM_TOPIC = "arn:aws:sns:us-east-1:123456789012:team-alerts";

    private final Template template = SynthesizedController.testStack().template;
    private final TemplateJson json = new TemplateJson(template);

    @Test
    void tablesAndLogsCanBeDeletedWithTheStack() {
        assertThat(json.ofType("AWS::DynamoDB::Table")).hasSize(4);
        assertThat(json.ofType("AWS::Logs::LogGroup")).isNotEmpty();
        for (JsonNode table : json.ofType("AWS::DynamoDB::Table").values()) {
            assertThat(table.at("/Properties/DeletionProtectionEnabled").asBoolean()).isFalse();
            assertThat(table.path("DeletionPolicy").asText()).isEqualTo("Delete");
            assertThat(table.at("/Properties/PointInTimeRecoverySpecification/PointInTimeRecoveryEnabled")
                    .asBoolean()).isTrue();
        }
        assertThat(json.ofType("AWS::Logs::LogGroup").values())
                .allSatisfy(group -> assertThat(group.path("DeletionPolicy").asText()).isEqualTo("Delete"));
    }

    @Test
    void theDashboardIsLeftOut() {
        template.resourceCountIs("AWS::CloudWatch::Dashboard", 0);
    }

    @Test
    void anExistingTopicIsToldInsteadOfANewOne() {
        template.resourceCountIs("AWS::SNS::Topic", 0);
        template.resourceCountIs("AWS::KMS::Key", 0);
        JsonNode outcome = json.one("AWS::Events::Rule", "NotificationsRolloutOutcome");
        assertThat(outcome.at("/Properties/Targets/0/Arn").asText()).isEqualTo(TEAM_TOPIC);
        JsonNode alarm = json.one("AWS::CloudWatch::Alarm", "NotificationsRolloutExecutionsFailed");
        assertThat(TemplateJson.strings(alarm.at("/Properties/AlarmActions"))).containsExactly(TEAM_TOPIC);
        JsonNode approval = json.one("AWS::StepFunctions::StateMachine", "RolloutMachine")
                .at("/Properties/DefinitionSubstitutions/ApprovalTopicArn");
        assertThat(approval.asText()).isEqualTo(TEAM_TOPIC);
    }

    @Test
    void theDemoCanaryDeployPublishesANewVersionAndKeepsTheAliasOnVersionOne() {
        JsonNode function = json.ofType("AWS::Lambda::Function").values().stream()
                .filter(f -> f.at("/Properties/FunctionName").asText().equals(ControllerConfig.DEMO_TARGET_FUNCTION))
                .findFirst().orElseThrow();
        assertThat(function.at("/Properties/Environment/Variables/RAG_CACHE_PREFIX").asText()).isEqualTo("v2-cnr:");
        JsonNode alias = json.one("AWS::Lambda::Alias", "DemoTargetAlias");
        assertThat(alias.at("/Properties/FunctionVersion").asText()).isEqualTo(DemoTarget.CONTROL_VERSION);
        String latest = json.logicalId("AWS::Lambda::Version", "DemoTargetFunctionCurrentVersion");
        assertThat(json.one("AWS::Lambda::Version", latest).path("DeletionPolicy").asText()).isEqualTo("Retain");
        assertThat(TemplateJson.strings(alias.path("DependsOn"))).contains(latest);
    }

    @Test
    void theDemoTargetHasAFixedNameAnAliasAndIsTheOnlyTarget() {
        template.hasResourceProperties("AWS::Lambda::Function", Map.of(
                "FunctionName", ControllerConfig.DEMO_TARGET_FUNCTION,
                "Handler", ControllerFunction.SAMPLE_RAG_TARGET.handler(),
                "Runtime", "java21",
                "Architectures", List.of("arm64")));
        String function = json.ofType("AWS::Lambda::Function").entrySet().stream()
                .filter(e -> e.getValue().at("/Properties/FunctionName").asText()
                        .equals(ControllerConfig.DEMO_TARGET_FUNCTION))
                .map(Map.Entry::getKey).findFirst().orElseThrow();
        template.hasResourceProperties("AWS::Lambda::Alias", Map.of(
                "Name", DemoTarget.ALIAS, "FunctionName", Map.of("Ref", function)));
        JsonNode shifter = json.statementsOf("WeightShifterRole").stream()
                .filter(s -> TemplateJson.actions(s).contains("lambda:UpdateAlias")).findFirst().orElseThrow();
        assertThat(TemplateJson.resources(shifter)).containsExactly(
                "arn:aws:lambda:us-east-1:123456789012:function:rag-canary-sample-target",
                "arn:aws:lambda:us-east-1:123456789012:function:rag-canary-sample-target:" + DemoTarget.ALIAS);
    }
}
