package dev.ragcanary.infra;

import static dev.ragcanary.infra.TemplateJson.actions;
import static dev.ragcanary.infra.TemplateJson.json;
import static dev.ragcanary.infra.TemplateJson.resources;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** The router's HTTP API front door and its warm-up schedule, on the synthesized templates. */
class RouterFrontDoorTest {
    /** The ping the router recognises, as its sample event has it. */
    private static final Path WARM_PING = Path.of("..", "events", "traffic-router", "warm-ping.json");

    private static TemplateJson demo() {
        return new TemplateJson(SynthesizedController.testStack().template);
    }

    private static TemplateJson withOwnIdentityProvider() {
        return new TemplateJson(SynthesizedController.productionWithFrontDoor().template);
    }

    private static String routerAlias(TemplateJson json) {
        return json.logicalId("AWS::Lambda::Alias", "TrafficRouterLive");
    }

    @Test
    void theDemosHttpApiNeedsAJwtFromThePlaceholderIssuerOnEveryRoute() {
        TemplateJson json = demo();

        JsonNode authorizer = json.one("AWS::ApiGatewayV2::Authorizer", "FrontDoor").path("Properties");
        assertThat(authorizer.path("AuthorizerType").asText()).isEqualTo("JWT");
        assertThat(authorizer.path("IdentitySource")).isEqualTo(json(List.of("$request.header.Authorization")));
        assertThat(authorizer.path("JwtConfiguration")).isEqualTo(json(Map.of(
                "Issuer", "https://set-jwtIssuer.invalid", "Audience", List.of("rag-canary-demo"))));
        String authorizerId = json.logicalId("AWS::ApiGatewayV2::Authorizer", "FrontDoor");
        assertThat(json.ofType("AWS::ApiGatewayV2::Route").values()).singleElement().satisfies(route -> {
            assertThat(route.at("/Properties/RouteKey").asText()).isEqualTo("$default");
            assertThat(route.at("/Properties/AuthorizationType").asText()).isEqualTo("JWT");
            assertThat(route.at("/Properties/AuthorizerId/Ref").asText()).isEqualTo(authorizerId);
        });
    }

    @Test
    void theIntegrationSendsPayloadFormat2ToTheRouterWithTheIdentityHeadersOverwrittenFromTheClaims() {
        TemplateJson json = demo();

        JsonNode integration = json.one("AWS::ApiGatewayV2::Integration", "FrontDoor").path("Properties");
        assertThat(integration.path("IntegrationType").asText()).isEqualTo("AWS_PROXY");
        assertThat(integration.path("PayloadFormatVersion").asText()).isEqualTo("2.0");
        assertThat(integration.at("/IntegrationUri/Ref").asText()).isEqualTo(routerAlias(json));
        assertThat(integration.path("RequestParameters")).isEqualTo(json(Map.of(
                "overwrite:header.x-tenant-id", "$context.authorizer.claims.tenant_id",
                "overwrite:header.x-user-id", "$context.authorizer.claims.sub")));
    }

    @Test
    void theStageThrottlesAndWritesAnAccessLogLinePerRequest() {
        TemplateJson json = demo();

        JsonNode stage = json.one("AWS::ApiGatewayV2::Stage", "FrontDoor").path("Properties");
        assertThat(stage.path("StageName").asText()).isEqualTo("$default");
        assertThat(stage.path("AutoDeploy").asBoolean()).isTrue();
        assertThat(stage.path("DefaultRouteSettings")).isEqualTo(json(Map.of(
                "ThrottlingRateLimit", 50, "ThrottlingBurstLimit", 100)));
        String logs = json.logicalId("AWS::Logs::LogGroup", "FrontDoorAccessLogs");
        assertThat(stage.at("/AccessLogSettings/DestinationArn/Fn::GetAtt/0").asText()).isEqualTo(logs);
        JsonNode format = TemplateJson.MAPPER.valueToTree(
                parse(stage.at("/AccessLogSettings/Format").asText()));
        assertThat(format.path("status").asText()).isEqualTo("$context.status");
        assertThat(format.path("authorizerError").asText()).isEqualTo("$context.authorizer.error");
        assertThat(format.toString()).doesNotContain("claims");
        assertThat(json.one("AWS::Logs::LogGroup", "FrontDoorAccessLogs").at("/Properties/RetentionInDays").asInt())
                .isEqualTo(30);
    }

    @Test
    void anOwnIdentityProviderSetsIssuerAudienceClaimsHeadersAndThrottle() {
        TemplateJson json = withOwnIdentityProvider();

        assertThat(json.one("AWS::ApiGatewayV2::Authorizer", "FrontDoor").at("/Properties/JwtConfiguration"))
                .isEqualTo(json(Map.of("Issuer", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example1",
                        "Audience", List.of("4example7clientid0000000000", "batch-client"))));
        assertThat(json.one("AWS::ApiGatewayV2::Integration", "FrontDoor").at("/Properties/RequestParameters"))
                .isEqualTo(json(Map.of("overwrite:header.x-tenant-id", "$context.authorizer.claims.org_id",
                        "overwrite:header.x-rag-user", "$context.authorizer.claims.sub")));
        assertThat(json.one("AWS::ApiGatewayV2::Stage", "FrontDoor").at("/Properties/DefaultRouteSettings"))
                .isEqualTo(json(Map.of("ThrottlingRateLimit", 200, "ThrottlingBurstLimit", 100)));
        JsonNode environment = json.one("AWS::Lambda::Function", "TrafficRouter").at("/Properties/Environment/Variables");
        assertThat(environment.path("IDENTITY_SOURCE").asText()).isEqualTo("authorizer");
        assertThat(environment.path("IDENTITY_REQUIRED").asText()).isEqualTo("true");
        assertThat(environment.path("TENANT_CLAIM").asText()).isEqualTo("org_id");
        assertThat(environment.path("USER_CLAIM").asText()).isEqualTo("sub");
        assertThat(environment.path("TENANT_HEADER").asText()).isEqualTo("x-tenant-id");
        assertThat(environment.path("USER_HEADER").asText()).isEqualTo("x-rag-user");
        assertThat(json.ofType("AWS::Scheduler::Schedule")).as("warmPingMinutes=0").isEmpty();
    }

    @Test
    void withoutAFrontDoorThereIsNoHttpApi() {
        TemplateJson json = new TemplateJson(SynthesizedController.production().template);

        assertThat(json.ofType("AWS::ApiGatewayV2::Api")).isEmpty();
        assertThat(json.one("AWS::Lambda::Function", "TrafficRouter")
                .at("/Properties/Environment/Variables/IDENTITY_SOURCE").asText()).isEqualTo("authorizer");
    }

    @Test
    void theScheduleInvokesTheRouterWithTheWarmPingAndItsRoleMayInvokeOnlyTheRouter() throws IOException {
        TemplateJson json = demo();

        JsonNode target = json.one("AWS::Scheduler::Schedule", "RouterWarmUp").at("/Properties/Target");
        assertThat(json.one("AWS::Scheduler::Schedule", "RouterWarmUp").at("/Properties/ScheduleExpression").asText())
                .isEqualTo("rate(5 minutes)");
        assertThat(target.at("/Arn/Ref").asText()).isEqualTo(routerAlias(json));
        assertThat(parse(target.path("Input").asText())).isEqualTo(parse(Files.readString(WARM_PING)));
        assertThat(target.path("RetryPolicy")).isEqualTo(json(Map.of(
                "MaximumRetryAttempts", 0, "MaximumEventAgeInSeconds", 60)));
        String role = json.logicalId("AWS::IAM::Role", "RouterWarmUpRole");
        assertThat(target.at("/RoleArn/Fn::GetAtt/0").asText()).isEqualTo(role);

        assertThat(json.statementsOf("RouterWarmUpRole")).singleElement().satisfies(statement -> {
            assertThat(actions(statement)).containsExactly("lambda:InvokeFunction");
            assertThat(resources(statement)).containsExactly("<" + routerAlias(json) + ">");
        });
        JsonNode trust = json.one("AWS::IAM::Role", "RouterWarmUpRole")
                .at("/Properties/AssumeRolePolicyDocument/Statement/0");
        assertThat(trust.at("/Principal/Service").asText()).isEqualTo("scheduler.amazonaws.com");
        assertThat(trust.at("/Condition/StringEquals/aws:SourceAccount").asText()).isEqualTo("123456789012");
    }

    private static JsonNode parse(String text) {
        try {
            return TemplateJson.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }
}
