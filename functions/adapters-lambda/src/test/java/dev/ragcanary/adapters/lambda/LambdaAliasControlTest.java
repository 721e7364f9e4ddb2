package dev.ragcanary.adapters.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.AliasControl;
import dev.ragcanary.core.ports.AliasControl.AliasState;
import dev.ragcanary.core.ports.FunctionVersions.VersionConfiguration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LambdaAliasControlTest {
    private static final String ALIAS_PATH = "/2015-03-31/functions/rag-answer/aliases/live";
    private static final String ALIAS_BODY = """
            {"AliasArn":"arn:aws:lambda:us-east-1:123456789012:function:rag-answer:live","Description":"",
             "FunctionVersion":"41","Name":"live","RevisionId":"0f1e2d3c-aaaa-bbbb-cccc-1234567890ab",
             "RoutingConfig":{"AdditionalVersionWeights":{"42":0.05}}}""";

    private final StubLambdaServer stub = new StubLambdaServer();
    private final LambdaAliasControl aliases = new LambdaAliasControl(region -> stub.client());

    @AfterEach
    void stop() {
        stub.close();
    }

    @Test
    void readIsOneGetAliasCall() {
        stub.respond(200, ALIAS_BODY);

        AliasState state = aliases.read("us-east-1", "rag-answer", "live");

        assertThat(state).isEqualTo(new AliasState("41", Map.of("42", 0.05), "0f1e2d3c-aaaa-bbbb-cccc-1234567890ab"));
        assertThat(stub.requests).singleElement().satisfies(r -> {
            assertThat(r.method()).isEqualTo("GET");
            assertThat(r.pathAndQuery()).isEqualTo(ALIAS_PATH);
        });
    }

    @Test
    void updateSendsTheWeightsAndTheRevisionReadBefore() {
        stub.respond(200, ALIAS_BODY.replace("0f1e", "9999"));

        AliasState state = aliases.update("us-east-1", "rag-answer", "live", "41", Map.of("42", 0.05), "rev-1");

        assertThat(state.revisionId()).startsWith("9999");
        StubLambdaServer.Request request = stub.requests.get(0);
        assertThat(request.method()).isEqualTo("PUT");
        assertThat(request.pathAndQuery()).isEqualTo(ALIAS_PATH);
        assertThat(Json.parse("body", request.body())).isEqualTo(Json.parse("expected", """
                {"FunctionVersion":"41","RoutingConfig":{"AdditionalVersionWeights":{"42":0.05}},"RevisionId":"rev-1"}"""));
    }

    @Test
    void anEmptyWeightMapClearsTheRouting() {
        stub.respond(200, ALIAS_BODY);

        aliases.update("us-east-1", "rag-answer", "live", "42", Map.of(), "rev-2");

        assertThat(Json.parse("body", stub.requests.get(0).body())).isEqualTo(Json.parse("expected", """
                {"FunctionVersion":"42","RoutingConfig":{"AdditionalVersionWeights":{}},"RevisionId":"rev-2"}"""));
    }

    @Test
    void aRevisionMismatchIsAStaleRevision() {
        stub.error(412, "PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id."
                + " Call the GetFunction/GetAlias API to retrieve the latest Revision Id");

        assertThatThrownBy(() -> aliases.update("us-east-1", "rag-answer", "live", "41", Map.of("42", 0.01), "old"))
                .isInstanceOf(AliasControl.StaleRevisionException.class)
                .hasMessageContaining("alias rag-answer:live in us-east-1 changed or is being changed")
                .hasMessageContaining("does not match the latest Revision Id");
    }

    @Test
    void anUpdateInProgressIsAStaleRevision() {
        stub.error(409, "ResourceConflictException", "The operation cannot be performed at this time."
                + " An update is in progress for resource: arn:aws:lambda:us-east-1:123456789012:function:rag-answer:live");

        assertThatThrownBy(() -> aliases.update("us-east-1", "rag-answer", "live", "41", Map.of("42", 0.01), "r"))
                .isInstanceOf(AliasControl.StaleRevisionException.class)
                .hasMessageContaining("An update is in progress");
    }

    @Test
    void http429IsThrottling() {
        for (int i = 0; i < 5; i++) { // the SDK's own retries come first
            stub.respond(429, "{\"Reason\":\"CallerRateLimitExceeded\",\"Type\":\"User\",\"message\":\"Rate exceeded\"}",
                    "x-amzn-ErrorType", "TooManyRequestsException", "Retry-After", "1");
        }

        assertThatThrownBy(() -> aliases.read("us-east-1", "rag-answer", "live"))
                .isInstanceOf(AliasControl.ThrottledException.class)
                .hasMessageContaining("Lambda throttled the call (Rate exceeded)");
    }

    @Test
    void aMissingAliasOrVersionSaysWhatToCheck() {
        stub.error(404, "ResourceNotFoundException",
                "Function not found: arn:aws:lambda:us-east-1:123456789012:function:rag-answer:99");

        assertThatThrownBy(() -> aliases.update("us-east-1", "rag-answer", "live", "41", Map.of("99", 0.01), "r"))
                .hasMessageContaining("alias rag-answer:live in us-east-1 not found")
                .hasMessageContaining("check target.functionName, target.alias, target.canaryVersion")
                .hasMessageContaining("Function not found");
    }

    /** A GetFunctionConfiguration answer as Lambda sends it, for one version. */
    private static String configuration(String version, String state, String lastUpdateStatus, String extra) {
        return """
                {"FunctionName":"rag-answer","FunctionArn":"arn:aws:lambda:us-east-1:123456789012:function:rag-answer:%s",
                 "Runtime":"java21","Role":"arn:aws:iam::123456789012:role/rag-answer-role",
                 "Handler":"dev.ragcanary.sample.Handler::handleRequest","CodeSize":48213344,"Description":"",
                 "Timeout":30,"MemorySize":1024,"LastModified":"2026-01-05T10:12:44.000+0000",
                 "CodeSha256":"j5Cq0X7cXmB3yC1dF1Qp2m9tW8wZrJ6b6y1bJ3bLr0o=","Version":"%s",
                 "TracingConfig":{"Mode":"PassThrough"},"RevisionId":"6d7f2f1c-1c1e-4b2f-9f0e-2f5c1b2d3e4f",
                 "State":"%s","LastUpdateStatus":"%s","PackageType":"Zip","Architectures":["arm64"],
                 "EphemeralStorage":{"Size":512},"SnapStart":{"ApplyOn":"None","OptimizationStatus":"Off"}%s}"""
                .formatted(version, version, state, lastUpdateStatus, extra);
    }

    @Test
    void aVersionsConfigurationIsOneGetFunctionConfigurationCallWithTheVersionAsQualifier() {
        stub.respond(200, configuration("42", "Active", "Successful",
                ",\"DeadLetterConfig\":{\"TargetArn\":\"arn:aws:sqs:us-east-1:123456789012:rag-answer-dlq\"}"));

        assertThat(aliases.configuration("us-east-1", "rag-answer", "42")).contains(new VersionConfiguration("42",
                "Active", "Successful", "arn:aws:iam::123456789012:role/rag-answer-role",
                "arn:aws:sqs:us-east-1:123456789012:rag-answer-dlq"));
        assertThat(stub.requests).singleElement().satisfies(r -> {
            assertThat(r.method()).isEqualTo("GET");
            assertThat(r.pathAndQuery()).isEqualTo("/2015-03-31/functions/rag-answer/configuration?Qualifier=42");
        });
    }

    @Test
    void aPendingVersionAndLatestAreReportedAsLambdaSaysThem() {
        stub.respond(200, configuration("43", "Pending", "InProgress",
                ",\"StateReason\":\"The function is being created.\",\"StateReasonCode\":\"Creating\""));
        stub.respond(200, configuration("$LATEST", "Active", "Successful", ""));

        assertThat(aliases.configuration("us-east-1", "rag-answer", "43")).contains(new VersionConfiguration("43",
                "Pending", "InProgress", "arn:aws:iam::123456789012:role/rag-answer-role", null));
        assertThat(aliases.configuration("us-east-1", "rag-answer", "$LATEST")).hasValueSatisfying(c ->
                assertThat(c.version()).isEqualTo(VersionConfiguration.LATEST));
        assertThat(stub.requests.get(1).pathAndQuery())
                .isEqualTo("/2015-03-31/functions/rag-answer/configuration?Qualifier=%24LATEST");
    }

    @Test
    void aVersionThatDoesNotExistHasNoConfiguration() {
        stub.error(404, "ResourceNotFoundException",
                "Function not found: arn:aws:lambda:us-east-1:123456789012:function:rag-answer:44");

        assertThat(aliases.configuration("us-east-1", "rag-answer", "44")).isEmpty();
    }
}
