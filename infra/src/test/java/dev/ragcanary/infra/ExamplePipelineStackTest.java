package dev.ragcanary.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** The example release pipeline: source → build (publishes, writes the start input) → canary rollout. */
class ExamplePipelineStackTest {
    private final TemplateJson json = new TemplateJson(SynthesizedController.production().pipelineTemplate);

    @Test
    void stagesRunSourceThenBuildThenTheCanaryRollout() {
        List<String> stages = new ArrayList<>();
        pipeline().path("Stages").forEach(stage -> stages.add(stage.path("Name").asText()));
        assertThat(stages).containsExactly("Source", "Build", "CanaryRollout");
        assertThat(pipeline().path("PipelineType").asText()).isEqualTo("V2");
    }

    @Test
    void rolloutActionStartsTheRolloutMachineWithTheStartInputTheBuildWrote() {
        JsonNode action = pipeline().at("/Stages/2/Actions/0");
        assertThat(action.at("/ActionTypeId/Provider").asText()).isEqualTo("StepFunctions");
        assertThat(action.at("/ActionTypeId/Category").asText()).isEqualTo("Invoke");
        JsonNode configuration = action.path("Configuration");
        assertThat(configuration.path("InputType").asText()).isEqualTo("FilePath");
        assertThat(configuration.path("Input").asText()).isEqualTo("start-rollout.json");
        assertThat(configuration.path("ExecutionNamePrefix").asText())
                .isEqualTo(CanaryRolloutStage.EXECUTION_NAME_PREFIX);
        assertThat(configuration.at("/StateMachineArn/Fn::ImportValue").asText()).contains("RolloutMachine");
        assertThat(action.at("/InputArtifacts/0/Name").asText()).isEqualTo("Build");
        assertThat(pipeline().at("/Stages/1/Actions/0/OutputArtifacts/0/Name").asText()).isEqualTo("Build");
        // The Step Functions action has no timeout setting (TimeoutInMinutes is for manual approvals only).
        assertThat(action.has("TimeoutInMinutes")).isFalse();
    }

    @Test
    void buildPublishesTheVersionAndWritesTheStartInputWithThisPipelineExecutionsRolloutId() throws Exception {
        JsonNode spec = buildSpec();
        assertThat(TemplateJson.strings(spec.at("/artifacts/files"))).containsExactly("start-rollout.json");
        List<String> commands = TemplateJson.strings(spec.at("/phases/build/commands"));
        assertThat(commands).anyMatch(c -> c.startsWith("VERSION=$(aws lambda publish-version --function-name"))
                .anyMatch(c -> c.startsWith("jq " + ExamplePipelineStack.START_INPUT_FILTER
                        + " events/start-rollout.json > start-rollout.json"));
        JsonNode variables = TemplateJson.MAPPER.readTree(
                pipeline().at("/Stages/1/Actions/0/Configuration/EnvironmentVariables").asText());
        assertThat(variables).containsExactly(TemplateJson.json(java.util.Map.of("name", "PIPELINE_EXECUTION_ID",
                "type", "PLAINTEXT", "value", "#{codepipeline.PipelineExecutionId}")));
        List<JsonNode> publish = json.allStatements().stream()
                .filter(s -> TemplateJson.actions(s).contains("lambda:PublishVersion")).toList();
        assertThat(publish).singleElement().satisfies(s -> assertThat(TemplateJson.resources(s)).containsExactly(
                "arn:aws:lambda:us-east-1:123456789012:function:rag-answer",
                "arn:aws:lambda:eu-west-1:123456789012:function:rag-answer-eu"));
    }

    @Test
    void theBuildsFilterTurnsTheTemplateIntoAStartInputForThePublishedVersion() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(new ProcessBuilder("jq", "--version").start().waitFor() == 0,
                "jq is on the PATH (as in the CodeBuild image)");
        java.nio.file.Path template = java.nio.file.Path.of("..", ExamplePipelineStack.START_INPUT_TEMPLATE);
        ProcessBuilder jq = new ProcessBuilder("bash", "-c", "jq " + ExamplePipelineStack.START_INPUT_FILTER + " "
                + template.toAbsolutePath());
        jq.environment().put("VERSION", "43");
        jq.environment().put("PIPELINE_EXECUTION_ID", "3137f7cb-7cf7-039j-s83l-d7eu3EXAMPLE");
        Process process = jq.redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(output).isZero();

        JsonNode written = TemplateJson.MAPPER.readTree(output);
        JsonNode original = TemplateJson.MAPPER.readTree(template.toFile());
        assertThat(written.at("/target/canaryVersion").asText()).isEqualTo("43");
        assertThat(written.path("rolloutId").asText()).isEqualTo("v43-3137f7cb-7cf7-039j-s83l-d7eu3EXAMPLE")
                .matches("[A-Za-z0-9_-]{1,80}");
        ((com.fasterxml.jackson.databind.node.ObjectNode) written).set("rolloutId", original.path("rolloutId"));
        ((com.fasterxml.jackson.databind.node.ObjectNode) written.path("target"))
                .set("canaryVersion", original.at("/target/canaryVersion"));
        assertThat(written).as("nothing else changes").isEqualTo(original);
    }

    @Test
    void rolloutActionRoleMayStartOnlyTheRolloutMachine() {
        List<JsonNode> start = json.allStatements().stream()
                .filter(s -> TemplateJson.actions(s).contains("states:StartExecution")).toList();
        assertThat(start).hasSize(1);
        assertThat(start.get(0).at("/Resource/Fn::ImportValue").asText()).contains("RolloutMachine");
    }

    @Test
    void anUploadedSourceZipStartsThePipelineThroughEventBridgeWithoutCloudTrail() {
        JsonNode bucket = json.one("AWS::S3::Bucket", "Source").path("Properties");
        assertThat(bucket.at("/NotificationConfiguration/EventBridgeConfiguration/EventBridgeEnabled").asBoolean())
                .isTrue();
        JsonNode rule = json.one("AWS::Events::Rule", "SourceUploaded").path("Properties");
        assertThat(rule.at("/EventPattern/detail-type/0").asText()).isEqualTo("Object Created");
        assertThat(rule.at("/EventPattern/detail/object/key/0").asText()).isEqualTo(ExamplePipelineStack.SOURCE_KEY);
        assertThat(rule.at("/EventPattern/detail/bucket/name/0/Ref").asText()).startsWith("Source");
        assertThat(TemplateJson.render(rule.at("/Targets/0/Arn"))).contains("codepipeline").contains("<Pipeline");
        assertThat(pipeline().at("/Stages/0/Actions/0/Configuration/PollForSourceChanges").asBoolean()).isFalse();
        assertThat(json.ofType("AWS::Lambda::Function")).as("no notification custom resource").isEmpty();
    }

    private JsonNode buildSpec() throws Exception {
        return TemplateJson.MAPPER.readTree(
                json.one("AWS::CodeBuild::Project", "Build").at("/Properties/Source/BuildSpec").asText());
    }

    private JsonNode pipeline() {
        return json.one("AWS::CodePipeline::Pipeline", "Pipeline").path("Properties");
    }
}
