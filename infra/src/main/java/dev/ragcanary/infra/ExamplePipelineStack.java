package dev.ragcanary.infra;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.services.codebuild.BuildEnvironment;
import software.amazon.awscdk.services.codebuild.BuildEnvironmentVariable;
import software.amazon.awscdk.services.codebuild.BuildSpec;
import software.amazon.awscdk.services.codebuild.ComputeType;
import software.amazon.awscdk.services.codebuild.LinuxArmBuildImage;
import software.amazon.awscdk.services.codebuild.PipelineProject;
import software.amazon.awscdk.services.codepipeline.Artifact;
import software.amazon.awscdk.services.codepipeline.Pipeline;
import software.amazon.awscdk.services.codepipeline.PipelineType;
import software.amazon.awscdk.services.codepipeline.StageProps;
import software.amazon.awscdk.services.codepipeline.actions.CodeBuildAction;
import software.amazon.awscdk.services.codepipeline.actions.S3SourceAction;
import software.amazon.awscdk.services.codepipeline.actions.S3Trigger;
import software.amazon.awscdk.services.events.EventPattern;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.targets.CodePipeline;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.CfnBucket;
import software.amazon.awscdk.services.stepfunctions.IStateMachine;
import software.constructs.Construct;

/**
 * An example release pipeline for a RAG function: source (a zip in S3) → build → canary rollout. The build publishes
 * the function's new version and writes the start input from the source's template with that version and a rolloutId
 * of this pipeline execution; the rollout stage starts the controller's rollout machine with that file from the
 * build's artifact (the contract is in docs/deploy.md).
 */
public class ExamplePipelineStack extends Stack {
    public static final String SOURCE_KEY = "source.zip";
    /** The start input template in the source: everything but the canary version and the rolloutId. */
    public static final String START_INPUT_TEMPLATE = "events/start-rollout.json";
    /** The start input the build writes at the root of its output artifact. */
    public static final String START_INPUT = "start-rollout.json";
    /** Build environment variable holding CodePipeline's id of the running pipeline execution. */
    static final String PIPELINE_EXECUTION_ID = "PIPELINE_EXECUTION_ID";

    /**
     * jq filter the build applies to the template: the published version, and a rolloutId unique to the pipeline
     * execution (so a new run never meets a finished rollout, and a retried rollout stage, which reads the same
     * artifact, joins the running one). At most 80 characters, the start input's limit.
     */
    static final String START_INPUT_FILTER = "--arg version \"$VERSION\" --arg id \"v$VERSION-$" + PIPELINE_EXECUTION_ID
            + "\" '.target.canaryVersion = $version | .rolloutId = ($id | .[0:80])'";

    /**
     * @param targetFunctions names (in this stack's region) or ARNs of the functions the build may publish a version
     *                        of; it publishes the one the template's {@code target.functionName} names
     */
    public ExamplePipelineStack(Construct scope, String id, StackProps props, IStateMachine rolloutMachine,
                                List<String> targetFunctions) {
        super(scope, id, props);
        Bucket accessLogs = bucket("AccessLogs", null);
        Bucket source = bucket("Source", accessLogs);
        // S3 sends Object Created to EventBridge itself (the native bucket property, instead of the notifications
        // custom resource), so no CloudTrail trail is needed to start the pipeline on an upload.
        ((CfnBucket) source.getNode().getDefaultChild()).setNotificationConfiguration(
                CfnBucket.NotificationConfigurationProperty.builder()
                        .eventBridgeConfiguration(CfnBucket.EventBridgeConfigurationProperty.builder()
                                .eventBridgeEnabled(true).build())
                        .build());
        Bucket artifacts = bucket("Artifacts", accessLogs);

        Artifact sourceOutput = new Artifact("Source");
        Artifact buildOutput = new Artifact("Build");
        Key buildKey = Key.Builder.create(this, "BuildKey")
                .description("rag-canary example pipeline build artifacts")
                .enableKeyRotation(true)
                .build();
        PipelineProject build = PipelineProject.Builder.create(this, "Build")
                .description("Builds the release; updating your function and publishing its canary version belong here")
                .encryptionKey(buildKey)
                .timeout(Duration.minutes(30))
                .environment(BuildEnvironment.builder()
                        .buildImage(LinuxArmBuildImage.AMAZON_LINUX_2023_STANDARD_3_0)
                        .computeType(ComputeType.SMALL)
                        .build())
                .buildSpec(BuildSpec.fromObject(Map.of(
                        "version", "0.2",
                        "phases", Map.of("build", Map.of("commands", List.of(
                                "mvn -B -DskipTests package",
                                // Updating the function's code or configuration from the build belongs here.
                                "FUNCTION=$(jq -r .target.functionName " + START_INPUT_TEMPLATE + ")",
                                "VERSION=$(aws lambda publish-version --function-name \"$FUNCTION\" --query Version"
                                        + " --output text)",
                                "jq " + START_INPUT_FILTER + " " + START_INPUT_TEMPLATE + " > " + START_INPUT))),
                        "artifacts", Map.of("files", List.of(START_INPUT)))))
                .build();
        build.addToRolePolicy(PolicyStatement.Builder.create()
                .actions(List.of("lambda:PublishVersion"))
                .resources(targetFunctions.stream().map(target -> target.startsWith("arn:") ? target
                        : formatArn(ArnComponents.builder().service("lambda").resource("function")
                                .resourceName(target).arnFormat(ArnFormat.COLON_RESOURCE_NAME).build())).toList())
                .build());

        Pipeline pipeline = Pipeline.Builder.create(this, "Pipeline")
                .pipelineType(PipelineType.V2)
                .artifactBucket(artifacts)
                .crossAccountKeys(false)
                .stages(List.of(
                        StageProps.builder().stageName("Source").actions(List.of(S3SourceAction.Builder.create()
                                .actionName("Source")
                                .bucket(source)
                                .bucketKey(SOURCE_KEY)
                                .trigger(S3Trigger.NONE)
                                .output(sourceOutput)
                                .build())).build(),
                        StageProps.builder().stageName("Build").actions(List.of(CodeBuildAction.Builder.create()
                                .actionName("Build")
                                .project(build)
                                .input(sourceOutput)
                                .outputs(List.of(buildOutput))
                                .environmentVariables(Map.of(PIPELINE_EXECUTION_ID, BuildEnvironmentVariable.builder()
                                        .value("#{codepipeline.PipelineExecutionId}").build()))
                                .build())).build()))
                .build();
        new CanaryRolloutStage(this, "Canary", pipeline, rolloutMachine, buildOutput, START_INPUT);
        Rule.Builder.create(this, "SourceUploaded")
                .description("Starts the release pipeline when " + SOURCE_KEY + " is uploaded")
                .eventPattern(EventPattern.builder()
                        .source(List.of("aws.s3"))
                        .detailType(List.of("Object Created"))
                        .detail(Map.of("bucket", Map.of("name", List.of(source.getBucketName())),
                                "object", Map.of("key", List.of(SOURCE_KEY))))
                        .build())
                .targets(List.of(new CodePipeline(pipeline)))
                .build();

        CfnOutput.Builder.create(this, "SourceBucketName").value(source.getBucketName()).build();
    }

    private Bucket bucket(String id, Bucket accessLogs) {
        Bucket.Builder builder = Bucket.Builder.create(this, id)
                .encryption(BucketEncryption.S3_MANAGED)
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .enforceSsl(true)
                .versioned(true)
                .removalPolicy(RemovalPolicy.RETAIN);
        if (accessLogs != null) {
            builder.serverAccessLogsBucket(accessLogs).serverAccessLogsPrefix(id.toLowerCase() + "/");
        }
        return builder.build();
    }
}
