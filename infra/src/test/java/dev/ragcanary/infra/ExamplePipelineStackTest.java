package dev.ragcanary.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** The example release pipeline: source → build → canary rollout with the start input from the source. */
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
    void rolloutActionStartsTheRolloutMachineWithTheStartInputFileFromTheSource() {
        JsonNode action = pipeline().at("/Stages/2/Actions/0");
        assertThat(action.at("/ActionTypeId/Provider").asText()).isEqualTo("StepFunctions");
        assertThat(action.at("/ActionTypeId/Category").asText()).isEqualTo("Invoke");
        JsonNode configuration = action.path("Configuration");
        assertThat(configuration.path("InputType").asText()).isEqualTo("FilePath");
        assertThat(configuration.path("Input").asText()).isEqualTo(ExamplePipelineStack.START_INPUT);
        assertThat(configuration.path("ExecutionNamePrefix").asText())
                .isEqualTo(CanaryRolloutStage.EXECUTION_NAME_PREFIX);
        assertThat(configuration.at("/StateMachineArn/Fn::ImportValue").asText()).contains("RolloutMachine");
        assertThat(action.at("/InputArtifacts/0/Name").asText()).isEqualTo("Source");
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

    private JsonNode pipeline() {
        return json.one("AWS::CodePipeline::Pipeline", "Pipeline").path("Properties");
    }
}
