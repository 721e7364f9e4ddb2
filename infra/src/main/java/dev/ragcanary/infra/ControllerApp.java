package dev.ragcanary.infra;

import java.nio.file.Path;
import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.StackProps;

/**
 * CDK entry point ({@code npx cdk synth|deploy} from infra/, see docs/deploy.md). Configuration comes from context
 * ({@link ControllerConfig}); function code from the jars {@code mvn package} builds; state machines from
 * statemachine/*.asl.json. {@code -c examplePipeline=true} adds the example release pipeline stack;
 * {@code -c nag=true} runs the cdk-nag checks.
 */
public final class ControllerApp {
    public static final String EXAMPLE_PIPELINE = "examplePipeline";
    /** {@code -c nag=true} runs cdk-nag's AwsSolutions checks during synth (the tests always do). */
    public static final String NAG = "nag";

    private ControllerApp() {
    }

    public static void main(String[] args) {
        App app = new App();
        try {
            // cdk runs the app from infra/; the jars and the ASL files live at the repository root.
            addStacks(app, Path.of("").toAbsolutePath().getParent(), Environment.builder()
                    .account(System.getenv("CDK_DEFAULT_ACCOUNT"))
                    .region(System.getenv("CDK_DEFAULT_REGION"))
                    .build());
        } catch (InvalidConfigurationException e) {
            // The message names every bad context key or missing file; a stack trace would only bury it.
            System.err.println(e.getMessage());
            System.exit(2);
        }
        app.synth();
    }

    /**
     * Adds the stacks the context asks for: the controller (named by {@code stackName}) with the module jars and
     * the state machines under {@code repositoryRoot}, and the example pipeline with {@code -c examplePipeline=true}.
     *
     * @throws InvalidConfigurationException naming every bad context key, or a missing jar or definition file
     */
    static ControllerStack addStacks(App app, Path repositoryRoot, Environment env) {
        ControllerConfig config = ControllerConfig.fromContext(key -> app.getNode().tryGetContext(key));
        StackProps props = StackProps.builder()
                .env(env)
                .description("rag-canary: staged canary releases for RAG services on AWS Lambda")
                .build();
        ControllerStack controller = new ControllerStack(app, config.stackName(), props, config,
                FunctionCode.moduleJars(repositoryRoot), repositoryRoot.resolve("statemachine"));
        NagSuppressionsForStacks.apply(controller);
        if (isSet(app, EXAMPLE_PIPELINE)) {
            NagSuppressionsForStacks.apply(
                    new ExamplePipelineStack(app, "RagCanaryPipeline", props, controller.rolloutMachine(),
                            config.targetFunctions()));
        }
        if (isSet(app, NAG)) {
            Aspects.of(app).add(AwsSolutionsChecks.Builder.create().verbose(true).build());
        }
        return controller;
    }

    private static boolean isSet(App app, String key) {
        return "true".equals(String.valueOf(app.getNode().tryGetContext(key)));
    }
}
