package dev.ragcanary.infra;

import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.aws_apigatewayv2_authorizers.HttpJwtAuthorizer;
import software.amazon.awscdk.aws_apigatewayv2_integrations.HttpLambdaIntegration;
import software.amazon.awscdk.services.apigateway.AccessLogFormat;
import software.amazon.awscdk.services.apigatewayv2.HttpApi;
import software.amazon.awscdk.services.apigatewayv2.HttpStage;
import software.amazon.awscdk.services.apigatewayv2.IAccessLogDestination;
import software.amazon.awscdk.services.apigatewayv2.IAccessLogSettings;
import software.amazon.awscdk.services.apigatewayv2.LogGroupLogDestination;
import software.amazon.awscdk.services.apigatewayv2.MappingValue;
import software.amazon.awscdk.services.apigatewayv2.ParameterMapping;
import software.amazon.awscdk.services.apigatewayv2.PayloadFormatVersion;
import software.amazon.awscdk.services.apigatewayv2.ThrottleSettings;
import software.amazon.awscdk.services.lambda.IFunction;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Construct;

/**
 * The router's public front door: an API Gateway HTTP API whose every route ({@code $default}) needs a JWT the
 * configured issuer signed for one of the configured audiences. The router reads tenant and user from the
 * authorizer's claims (payload format 2.0); the integration also overwrites the tenant and user headers with those
 * claims, so a value a client sent in them never reaches the router or the routed function. The stage throttles and
 * writes an access log line per request.
 */
public class RouterFrontDoor extends Construct {
    /** One JSON line per request (HTTP API access-log variables); no claim values, they may be personal. */
    static final String ACCESS_LOG_FORMAT = "{\"requestId\":\"$context.requestId\","
            + "\"ip\":\"$context.identity.sourceIp\",\"requestTime\":\"$context.requestTime\","
            + "\"httpMethod\":\"$context.httpMethod\",\"routeKey\":\"$context.routeKey\","
            + "\"status\":\"$context.status\",\"protocol\":\"$context.protocol\","
            + "\"responseLength\":\"$context.responseLength\",\"authorizerError\":\"$context.authorizer.error\","
            + "\"integrationError\":\"$context.integrationErrorMessage\"}";

    public RouterFrontDoor(Construct scope, String id, IFunction router, RouterIdentityConfig identity,
                           RouterIdentityConfig.HttpApiConfig settings, RemovalPolicy logRemoval) {
        super(scope, id);
        HttpJwtAuthorizer authorizer = HttpJwtAuthorizer.Builder.create("Jwt", settings.jwtIssuer())
                .jwtAudience(settings.jwtAudience())
                .build();
        ParameterMapping verifiedIdentity = new ParameterMapping()
                .overwriteHeader(identity.tenantHeader(),
                        MappingValue.contextVariable("authorizer.claims." + identity.tenantClaim()))
                .overwriteHeader(identity.userHeader(),
                        MappingValue.contextVariable("authorizer.claims." + identity.userClaim()));
        HttpApi api = HttpApi.Builder.create(this, "Api")
                .apiName(Stack.of(this).getStackName() + "-router")
                .description("rag-canary router front door: JWT-authorized, identity from the token's claims")
                .createDefaultStage(false)
                .defaultIntegration(HttpLambdaIntegration.Builder.create("Router", router)
                        .payloadFormatVersion(PayloadFormatVersion.VERSION_2_0)
                        .parameterMapping(verifiedIdentity)
                        .build())
                .defaultAuthorizer(authorizer)
                .build();
        LogGroup accessLogs = LogGroup.Builder.create(this, "AccessLogs")
                .retention(RetentionDays.ONE_MONTH)
                .removalPolicy(logRemoval)
                .build();
        HttpStage stage = HttpStage.Builder.create(this, "Stage")
                .httpApi(api)
                .stageName("$default")
                .autoDeploy(true)
                .throttle(ThrottleSettings.builder()
                        .rateLimit(settings.rateLimit()).burstLimit(settings.burstLimit()).build())
                .accessLogSettings(accessLog(new LogGroupLogDestination(accessLogs)))
                .build();
        CfnOutput.Builder.create(this, "Url")
                .description("The router's front door: send Authorization: Bearer <JWT> from the configured issuer")
                .value(stage.getUrl())
                .build();
    }

    private static IAccessLogSettings accessLog(IAccessLogDestination destination) {
        AccessLogFormat format = AccessLogFormat.custom(ACCESS_LOG_FORMAT);
        return new IAccessLogSettings() {
            @Override
            public IAccessLogDestination getDestination() {
                return destination;
            }

            @Override
            public AccessLogFormat getFormat() {
                return format;
            }
        };
    }
}
