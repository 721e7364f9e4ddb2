package dev.ragcanary.infra;

import java.util.List;
import software.amazon.awscdk.services.codepipeline.Artifact;
import software.amazon.awscdk.services.codepipeline.CfnPipeline;
import software.amazon.awscdk.services.codepipeline.IStage;
import software.amazon.awscdk.services.codepipeline.Pipeline;
import software.amazon.awscdk.services.codepipeline.StageOptions;
import software.amazon.awscdk.services.codepipeline.actions.StateMachineInput;
import software.amazon.awscdk.services.codepipeline.actions.StepFunctionInvokeAction;
import software.amazon.awscdk.services.stepfunctions.IStateMachine;
import software.constructs.Construct;

/**
 * Adds a canary rollout to a CodePipeline: one stage whose Step Functions invoke action starts the rollout state
 * machine with the start input read from a file in an artifact (for example {@code events/start-rollout.json} in
 * the source). The action waits for the execution, so the stage fails when the rollout rolls back.
 *
 * <p>A retried action starts a new execution with the same file, hence the same rolloutId; the weight shifter's
 * start joins the rollout already holding the alias lock instead of starting a second one (docs/deploy.md).
 *
 * <p>The action gives up after CodePipeline's Step Functions action timeout (7 days, an account quota; the pipeline
 * cannot set it, TimeoutInMinutes is for manual approvals only). The execution keeps running and finishes the
 * rollout; only the pipeline's view of it ends (docs/deploy.md, "Limits").
 */
public class CanaryRolloutStage extends Construct {
    /** Execution names are this prefix plus CodePipeline's action execution id. */
    public static final String EXECUTION_NAME_PREFIX = "pipeline";

    private final StepFunctionInvokeAction action;
    private final IStage stage;

    /**
     * @param inputArtifact artifact holding the start input file
     * @param inputFile     path of the start input inside the artifact
     */
    public CanaryRolloutStage(Construct scope, String id, Pipeline pipeline, IStateMachine rolloutMachine,
                              Artifact inputArtifact, String inputFile) {
        super(scope, id);
        action = StepFunctionInvokeAction.Builder.create()
                .actionName("StartCanaryRollout")
                .stateMachine(rolloutMachine)
                .stateMachineInput(StateMachineInput.filePath(inputArtifact.atPath(inputFile)))
                .executionNamePrefix(EXECUTION_NAME_PREFIX)
                .build();
        stage = pipeline.addStage(StageOptions.builder().stageName("CanaryRollout").actions(List.of(action))
                .build());
        // StateMachineInput.filePath renders Input as "<artifact>::<path>" (CDK's ArtifactPath location), but the
        // Step Functions action reads Input as a path inside its input artifact ("assets/input.json" in the
        // CodePipeline action reference), so the stage writes the plain path.
        CfnPipeline cfn = (CfnPipeline) pipeline.getNode().getDefaultChild();
        cfn.addPropertyOverride("Stages." + (pipeline.getStageCount().intValue() - 1) + ".Actions.0.Configuration.Input",
                inputFile);
    }

    public StepFunctionInvokeAction action() {
        return action;
    }

    public IStage stage() {
        return stage;
    }
}
