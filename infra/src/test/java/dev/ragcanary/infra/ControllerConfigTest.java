package dev.ragcanary.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ControllerConfigTest {

    @Test
    void readsCommaSeparatedCommandLineValuesAndAppliesDefaults() {
        ControllerConfig config = ControllerConfig.fromContext(context(Map.of(
                "targetFunctions", "rag-answer, arn:aws:lambda:eu-west-1:123456789012:function:rag-eu",
                "regions", "us-east-1,eu-west-1")));
        assertThat(config.targetFunctions())
                .containsExactly("rag-answer", "arn:aws:lambda:eu-west-1:123456789012:function:rag-eu");
        assertThat(config.regions()).containsExactly("us-east-1", "eu-west-1");
        assertThat(config.routedFunction()).isEqualTo("rag-answer");
        assertThat(config.routedAlias()).isEqualTo("live");
        assertThat(config.targetAliases()).as("the routed alias, when none are named").containsExactly("live");
        assertThat(config.stackName()).isEqualTo("RagCanaryController");
        assertThat(config.tablePrefix()).isEqualTo("rag-canary");
        assertThat(config.dashboard()).isTrue();
        assertThat(config.deletionProtection()).isTrue();
        assertThat(config.demoTarget()).isFalse();
        assertThat(config.notificationEmail()).isEmpty();
        assertThat(config.notificationTopicArn()).isEmpty();
        assertThat(config.cacheTable()).isEmpty();
        assertThat(config.cachePurgeWebhook()).isEmpty();
    }

    @Test
    void readsJsonTypedValuesFromCdkJson() {
        ControllerConfig config = ControllerConfig.fromContext(context(Map.of(
                "targetFunctions", List.of("rag-answer"),
                "dashboard", false,
                "deletionProtection", "false",
                "notificationEmail", "oncall@example.com",
                "tablePrefix", "test-canary")));
        assertThat(config.dashboard()).isFalse();
        assertThat(config.deletionProtection()).isFalse();
        assertThat(config.notificationEmail()).isEqualTo(Optional.of("oncall@example.com"));
        assertThat(config.tablePrefix()).isEqualTo("test-canary");
    }

    @Test
    void demoTargetAddsTheSampleFunctionAsATarget() {
        ControllerConfig config = ControllerConfig.fromContext(context(Map.of("demoTarget", true)));
        assertThat(config.targetFunctions()).containsExactly(ControllerConfig.DEMO_TARGET_FUNCTION);
    }

    @Test
    void theRouterCanFrontATargetGivenByArnUnderItsName() {
        ControllerConfig config = ControllerConfig.fromContext(context(Map.of(
                "targetFunctions", "rag-answer,arn:aws:lambda:us-east-1:123456789012:function:rag-b",
                "routedFunction", "rag-b", "routedAlias", "prod")));
        assertThat(config.routedFunction()).isEqualTo("rag-b");
        assertThat(config.routedAlias()).isEqualTo("prod");
        assertThat(config.targetAliases()).as("the routed alias, when none are named").containsExactly("prod");
    }

    @Test
    void theAliasesARolloutMayShiftAreListedWithTargetAliases() {
        assertThat(ControllerConfig.fromContext(context(Map.of("targetFunctions", "rag-a",
                "targetAliases", "live,beta"))).targetAliases()).containsExactly("live", "beta");
    }

    @Test
    void theDemoCanaryNeedsTheDemoTarget() {
        assertThatThrownBy(() -> ControllerConfig.fromContext(context(Map.of(
                "targetFunctions", "rag-answer", "demoCanary", "true"))))
                .hasMessageContaining("context 'demoCanary': needs -c demoTarget=true");
    }

    @Test
    void missingTargetsAreRefusedWithTheKeyAndAnExample() {
        assertThatThrownBy(() -> ControllerConfig.fromContext(context(Map.of())))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("context 'targetFunctions': required")
                .hasMessageContaining("-c targetFunctions=my-rag-function");
    }

    @Test
    void everyBadKeyIsReportedAtOnce() {
        Map<String, Object> values = new HashMap<>();
        values.put("targetFunctions", List.of("rag answer", "arn:aws:lambda:us-east-1:123456789012:function:rag:live"));
        values.put("regions", "us-east-1,mars-1,us-east-1");
        values.put("tablePrefix", "bad prefix!");
        values.put("dashboard", "yes");
        values.put("deletionProtection", 1);
        values.put("notificationEmail", "oncall");
        values.put("notificationTopicArn", "arn:aws:sqs:us-east-1:123456789012:queue");
        values.put("cacheTable", "x");
        values.put("stackName", "9lives");
        values.put("routedFunction", "other-function");
        values.put("routedAlias", "42");
        values.put("targetAliases", "live,7");
        values.put("cachePurgeWebhook", "http://cache.example.com/purge");
        InvalidConfigurationException error = (InvalidConfigurationException) org.assertj.core.api.Assertions
                .catchThrowable(() -> ControllerConfig.fromContext(context(values)));
        assertThat(error.problems()).containsExactlyInAnyOrder(
                "context 'targetFunctions': 'rag answer' is neither a function name ([A-Za-z0-9_-], 1-64 characters)"
                        + " nor a Lambda function ARN",
                "context 'targetFunctions': 'arn:aws:lambda:us-east-1:123456789012:function:rag:live' is a qualified"
                        + " ARN; give the unqualified function ARN (versions and aliases are included)",
                "context 'regions': 'mars-1' is not a region name such as us-east-1",
                "context 'regions': lists a region twice: [us-east-1, mars-1, us-east-1]",
                "context 'tablePrefix': 'bad prefix!' must be 1-200 characters of letters, digits, '_', '-' or '.'",
                "context 'dashboard': expected true or false, found 'yes'",
                "context 'deletionProtection': expected true or false, found '1'",
                "context 'notificationEmail': 'oncall' is not an e-mail address",
                "context 'notificationTopicArn': 'arn:aws:sqs:us-east-1:123456789012:queue' is not an SNS topic ARN",
                "context 'cacheTable': 'x' is not a DynamoDB table name (3-255 of A-Z a-z 0-9 _ - .)",
                "context 'cachePurgeWebhook': 'http://cache.example.com/purge' must be an https:// URL",
                "context 'stackName': '9lives' must start with a letter and hold only letters, digits and '-' (at most 128)",
                "context 'routedFunction': 'other-function' is not one of the target functions [rag answer, rag]",
                "context 'routedAlias': '42' is not an alias name (1-128 of A-Z a-z 0-9 _ -, not only digits)",
                "context 'targetAliases': '7' is not an alias name (1-128 of A-Z a-z 0-9 _ -, not only digits)");
        assertThat(error.getMessage()).startsWith("rag-canary stack configuration is invalid (15 problems):");
    }

    @Test
    void aJsonArrayTypedOnTheCommandLineIsExplained() {
        assertThatThrownBy(() -> ControllerConfig.fromContext(context(Map.of("targetFunctions", "[\"a\"]"))))
                .hasMessageContaining("context 'targetFunctions': give a comma-separated list (a,b)");
    }

    private static java.util.function.Function<String, Object> context(Map<String, Object> values) {
        return values::get;
    }
}
