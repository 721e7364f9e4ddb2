package dev.ragcanary.infra;

import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.LoggingFormat;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Construct;

/**
 * The sample RAG target ({@code -c demoTarget=true}) as a rollout target: the function, its first published
 * version and the alias {@value #ALIAS} on it. The canary version is published after deploy (docs/deploy.md):
 * CloudFormation cannot publish two different versions of one function in one deployment.
 */
public class DemoTarget extends Construct {
    public static final String ALIAS = "live";

    private final Alias alias;

    public DemoTarget(Construct scope, String id, FunctionCode code, RemovalPolicy logRemoval) {
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
                .build();
        alias = Alias.Builder.create(this, "Alias").aliasName(ALIAS).version(fn.getCurrentVersion()).build();
    }

    public Alias alias() {
        return alias;
    }
}
