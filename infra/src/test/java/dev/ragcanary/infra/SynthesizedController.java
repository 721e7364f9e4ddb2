package dev.ragcanary.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Template;

/**
 * Synthesizing costs seconds of jsii start-up on a shared machine, so each configuration is synthesized once per
 * test JVM and shared by the test classes. cdk-nag's AwsSolutions checks run in the same synthesis.
 */
final class SynthesizedController {
    static final String ACCOUNT = "123456789012";
    static final String REGION = "us-east-1";
    /** The repository's own state machine files (surefire runs in infra/). */
    static final Path STATE_MACHINES = Path.of("..", "statemachine").toAbsolutePath().normalize();

    /** A production configuration: two regions, a name and an ARN as targets, e-mail, dashboard, protection on. */
    static final Map<String, Object> PRODUCTION = Map.of(
            ControllerConfig.TARGET_FUNCTIONS,
            java.util.List.of("rag-answer", "arn:aws:lambda:eu-west-1:123456789012:function:rag-answer-eu"),
            ControllerConfig.REGIONS, java.util.List.of("us-east-1", "eu-west-2"),
            ControllerConfig.TABLE_PREFIX, "prod-canary",
            ControllerConfig.NOTIFICATION_EMAIL, "oncall@example.com",
            ControllerConfig.CACHE_TABLE, "rag-answer-cache",
            ControllerConfig.CACHE_PURGE_WEBHOOK, "https://cache.example.com/purge");

    /** A test stack: protection off, no dashboard, an existing topic, the demo target's canary deploy. */
    static final Map<String, Object> TEST_STACK = Map.of(
            ControllerConfig.DEMO_TARGET, "true",
            ControllerConfig.DEMO_CANARY, "true",
            ControllerConfig.DELETION_PROTECTION, "false",
            ControllerConfig.DASHBOARD, "false",
            ControllerConfig.NOTIFICATION_TOPIC_ARN, "arn:aws:sns:us-east-1:123456789012:team-alerts");

    /** Production with its own identity provider in front of the router, other claim and header names. */
    static final Map<String, Object> PRODUCTION_WITH_FRONT_DOOR = withFrontDoor();

    private static SynthesizedController production;
    private static SynthesizedController productionWithFrontDoor;
    private static SynthesizedController testStack;

    final App app;
    final ControllerStack controller;
    final ExamplePipelineStack pipeline;
    final Template template;
    final Template pipelineTemplate;

    private SynthesizedController(Map<String, Object> context) {
        app = new App(AppProps.builder().context(context).build());
        Aspects.of(app).add(AwsSolutionsChecks.Builder.create().verbose(true).build());
        StackProps props = StackProps.builder()
                .env(Environment.builder().account(ACCOUNT).region(REGION).build())
                .build();
        ControllerConfig config = ControllerConfig.fromContext(key -> app.getNode().tryGetContext(key));
        controller = new ControllerStack(app, "Controller", props, config, FunctionCode.folder(standInJars()),
                STATE_MACHINES);
        pipeline = new ExamplePipelineStack(app, "Pipeline", props, controller.rolloutMachine(),
                config.targetFunctions());
        NagSuppressionsForStacks.apply(controller);
        NagSuppressionsForStacks.apply(pipeline);
        template = Template.fromStack(controller);
        pipelineTemplate = Template.fromStack(pipeline);
    }

    static synchronized SynthesizedController production() {
        if (production == null) {
            production = new SynthesizedController(PRODUCTION);
        }
        return production;
    }

    static synchronized SynthesizedController productionWithFrontDoor() {
        if (productionWithFrontDoor == null) {
            productionWithFrontDoor = new SynthesizedController(PRODUCTION_WITH_FRONT_DOOR);
        }
        return productionWithFrontDoor;
    }

    private static Map<String, Object> withFrontDoor() {
        Map<String, Object> context = new java.util.HashMap<>(PRODUCTION);
        context.put(RouterIdentityConfig.FRONT_DOOR, "true");
        context.put(RouterIdentityConfig.JWT_ISSUER, "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example1");
        context.put(RouterIdentityConfig.JWT_AUDIENCE, "4example7clientid0000000000,batch-client");
        context.put(RouterIdentityConfig.TENANT_CLAIM, "org_id");
        context.put(RouterIdentityConfig.USER_HEADER, "x-rag-user");
        context.put(RouterIdentityConfig.FRONT_DOOR_RATE_LIMIT, "200");
        context.put(RouterIdentityConfig.WARM_PING_MINUTES, "0");
        return Map.copyOf(context);
    }

    static synchronized SynthesizedController testStack() {
        if (testStack == null) {
            testStack = new SynthesizedController(TEST_STACK);
        }
        return testStack;
    }

    /** A folder with a small valid jar per function, standing in for the shaded jars. */
    static Path standInJars() {
        try {
            Path folder = Files.createTempDirectory("rag-canary-jars");
            for (ControllerFunction function : ControllerFunction.values()) {
                try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(folder.resolve(function.jar())))) {
                    zip.putNextEntry(new ZipEntry("stand-in.txt"));
                    zip.write(function.module().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    zip.closeEntry();
                }
            }
            folder.toFile().deleteOnExit();
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
