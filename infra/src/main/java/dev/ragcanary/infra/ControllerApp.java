package dev.ragcanary.infra;

import java.nio.file.Path;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.StackProps;

/**
 * CDK entry point ({@code npx cdk synth|deploy} from infra/, see docs/deploy.md). Configuration comes from context
 * ({@link ControllerConfig}); function code from the jars {@code mvn package} builds; state machines from
 * statemachine/*.asl.json. {@code -c examplePipeline=true} adds the example release pipeline stack.
 */
public final class ControllerApp {
    public static final String EXAMPLE_PIPELINE = "examplePipeline";

    private ControllerApp() {
    }

    public static void main(String[] args) {
        App app = new App();
        // cdk runs the app from infra/; the jars and the ASL files live at the repository root.
        Path root = Path.of("").toAbsolutePath().getParent();
        ControllerConfig config = ControllerConfig.fromContext(key -> app.getNode().tryGetContext(key));
        StackProps props = StackProps.builder()
                .env(Environment.builder()
                        .account(System.getenv("CDK_DEFAULT_ACCOUNT"))
                        .region(System.getenv("CDK_DEFAULT_REGION"))
                        .build())
                .description("rag-canary: staged canary releases for RAG services on AWS Lambda")
                .build();
        ControllerStack controller = new ControllerStack(app, "RagCanaryController", props, config,
                FunctionCode.moduleJars(root), root.resolve("statemachine"));
        if ("true".equals(String.valueOf(app.getNode().tryGetContext(EXAMPLE_PIPELINE)))) {
            new ExamplePipelineStack(app, "RagCanaryPipeline", props, controller.rolloutMachine());
        }
        app.synth();
    }
}
