package dev.ragcanary.adapters.lambda;

import dev.ragcanary.core.ports.AliasControl;
import dev.ragcanary.core.ports.FunctionVersions;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.AliasRoutingConfiguration;
import software.amazon.awssdk.services.lambda.model.GetAliasResponse;
import software.amazon.awssdk.services.lambda.model.GetFunctionConfigurationResponse;
import software.amazon.awssdk.services.lambda.model.LambdaException;
import software.amazon.awssdk.services.lambda.model.PreconditionFailedException;
import software.amazon.awssdk.services.lambda.model.ResourceConflictException;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;
import software.amazon.awssdk.services.lambda.model.TooManyRequestsException;
import software.amazon.awssdk.services.lambda.model.UpdateAliasResponse;

/**
 * {@link AliasControl} on the Lambda API (GetAlias / UpdateAlias with RoutingConfig.AdditionalVersionWeights and
 * RevisionId) and {@link FunctionVersions} (GetFunctionConfiguration with the version as qualifier), one client per
 * region. One API call per method; retries and verification are the domain's.
 *
 * <p>Errors become outcomes the weight shifter acts on: PreconditionFailedException (RevisionId mismatch) and
 * ResourceConflictException (another update in progress) are a {@link StaleRevisionException} (it re-reads: a
 * lowering writes again, a raise gives up); TooManyRequestsException is a {@link ThrottledException} (transient: the
 * state machine retries the action); ResourceNotFoundException names what is missing.
 */
public final class LambdaAliasControl implements AliasControl, FunctionVersions {
    private final Function<String, LambdaClient> clientForRegion;
    private final Map<String, LambdaClient> clients = new ConcurrentHashMap<>();

    /** @param clientForRegion builds the Lambda client of a region (called once per region) */
    public LambdaAliasControl(Function<String, LambdaClient> clientForRegion) {
        this.clientForRegion = clientForRegion;
    }

    private LambdaClient lambda(String region) {
        return clients.computeIfAbsent(region, clientForRegion);
    }

    @Override
    public AliasState read(String region, String functionName, String alias) {
        try {
            GetAliasResponse response = lambda(region).getAlias(b -> b.functionName(functionName).name(alias));
            return new AliasState(response.functionVersion(), weights(response.routingConfig()), response.revisionId());
        } catch (LambdaException e) {
            throw mapped(e, region, functionName, alias);
        }
    }

    @Override
    public AliasState update(String region, String functionName, String alias, String functionVersion,
                             Map<String, Double> additionalVersionWeights, String expectedRevisionId) {
        try {
            UpdateAliasResponse response = lambda(region).updateAlias(b -> b.functionName(functionName).name(alias)
                    .functionVersion(functionVersion)
                    .routingConfig(AliasRoutingConfiguration.builder()
                            .additionalVersionWeights(additionalVersionWeights).build())
                    .revisionId(expectedRevisionId));
            return new AliasState(response.functionVersion(), weights(response.routingConfig()), response.revisionId());
        } catch (LambdaException e) {
            throw mapped(e, region, functionName, alias);
        }
    }

    @Override
    public Optional<VersionConfiguration> configuration(String region, String functionName, String version) {
        try {
            GetFunctionConfigurationResponse response = lambda(region).getFunctionConfiguration(b -> b
                    .functionName(functionName).qualifier(version));
            return Optional.of(new VersionConfiguration(response.version(), response.stateAsString(),
                    response.lastUpdateStatusAsString(), response.role(),
                    response.deadLetterConfig() == null ? null : response.deadLetterConfig().targetArn()));
        } catch (ResourceNotFoundException missing) {
            return Optional.empty();
        } catch (TooManyRequestsException e) {
            throw new ThrottledException("GetFunctionConfiguration " + functionName + ":" + version + " in " + region
                    + " throttled: " + e.awsErrorDetails().errorMessage());
        }
    }

    private static Map<String, Double> weights(AliasRoutingConfiguration routing) {
        return routing == null ? Map.of() : routing.additionalVersionWeights();
    }

    private static RuntimeException mapped(LambdaException e, String region, String functionName, String alias) {
        String where = "alias " + functionName + ":" + alias + " in " + region;
        String message = e.awsErrorDetails() == null ? e.getMessage() : e.awsErrorDetails().errorMessage();
        if (e instanceof PreconditionFailedException || e instanceof ResourceConflictException) {
            return new StaleRevisionException(where + " changed or is being changed: " + message);
        }
        if (e instanceof TooManyRequestsException) {
            return new ThrottledException(where + ": Lambda throttled the call (" + message + ")");
        }
        if (e instanceof ResourceNotFoundException) {
            return new IllegalStateException(where + " not found (the function, alias or a version it names does"
                    + " not exist in that region; check target.functionName, target.alias, target.canaryVersion and"
                    + " regions): " + message, e);
        }
        return e;
    }
}
