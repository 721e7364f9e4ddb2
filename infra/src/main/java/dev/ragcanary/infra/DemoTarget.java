package dev.ragcanary.infra;

import java.util.Map;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.IVersion;
import software.amazon.awscdk.services.lambda.LoggingFormat;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.Version;
import software.amazon.awscdk.services.lambda.VersionAttributes;
import software.amazon.awscdk.services.lambda.VersionOptions;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Construct;

/**
 * The sample RAG target ({@code -c demoTarget=true}) as a rollout target: the function, its published versions and
 * the alias {@value #ALIAS} on version 1 (the control). CloudFormation publishes one version of a function per
 * deployment, so the canary is a second deploy with {@code -c demoCanary=true}: the function's configuration changes
 * (its cache prefix; retrieval stays the same, so the rollout is healthy), version 2 is published, version 1 is
 * retained and the alias stays on it.
 */
public class DemoTarget extends Construct {
    public static final String ALIAS = "live";
    /** The version the alias is created on: the first one published for the function. */
    public static final String CONTROL_VERSION = "1";
    static final Map<String, String> CONTROL_ENVIRONMENT = Map.of("RAG_CACHE_PREFIX", "v1:");
    static final Map<String, String> CANARY_ENVIRONMENT = Map.of("RAG_CACHE_PREFIX", "v2-cnr:");

    private final Alias alias;

    public DemoTarget(Construct scope, String id, FunctionCode code, boolean canary, RemovalPolicy logRemoval) {
        super(scope, id);
        ControllerFunction sample = ControllerFunction.SAMPLE_RAG_TARGET;
        LogGroup logs = LogGroup.Builder.create(this, "Logs")
                .retention(RetentionDays.ONE_MONTH)
                .removalPolicy(logRemoval)
                .build();
        Role role = Role.Builder.create(this, "Role")
                .assumedBy(new ServicePrincipal("lambda.amazonaws.com"))
                .description(sample.description())
                .build();
        logs.grantWrite(role);
        Function fn = Function.Builder.create(this, "Function")
                .functionName(ControllerConfig.DEMO_TARGET_FUNCTION)
                .runtime(Runtime.JAVA_21)
                .architecture(Architecture.ARM_64)
                .handler(sample.handler())
                .code(code.codeFor(sample))
                .memorySize(sample.memoryMb())
                .timeout(sample.timeout())
                .description(sample.description())
                .role(role)
                .logGroup(logs)
                .loggingFormat(LoggingFormat.JSON)
                .environment(canary ? CANARY_ENVIRONMENT : CONTROL_ENVIRONMENT)
                // Keep every published version when the configuration changes: version 1 stays the control.
                .currentVersionOptions(VersionOptions.builder().removalPolicy(RemovalPolicy.RETAIN).build())
                .build();
        IVersion latest = fn.getCurrentVersion();
        alias = Alias.Builder.create(this, "Alias")
                .aliasName(ALIAS)
                .version(Version.fromVersionAttributes(this, "Control", VersionAttributes.builder()
                        .lambda(fn).version(CONTROL_VERSION).build()))
                .build();
        alias.getNode().addDependency(latest);
        CfnOutput.Builder.create(this, "LatestVersion")
                .description("Newest published version of the demo target (the canary after -c demoCanary=true)")
                .value(latest.getVersion())
                .build();
    }

    public Alias alias() {
        return alias;
    }
}
