package dev.ragcanary.infra;

import java.util.ArrayList;
import java.util.List;
import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import io.github.cdklabs.cdknag.RegexAppliesTo;
import software.constructs.IConstruct;

/**
 * Every cdk-nag AwsSolutions finding the stacks accept, each narrowed to the resource and the exact permission it
 * concerns, with its reason. They land in the template's metadata, where a security review reads them.
 */
public final class NagSuppressionsForStacks {
    private static final String TARGET_QUALIFIERS = "Versions and aliases of the configured target functions "
            + "(function-name:*): the canary version is published per release, so the qualifier cannot be known at "
            + "deploy time. The functions themselves are fixed by the targetFunctions context.";
    private static final String MACHINE_LOGS_AND_XRAY = "Step Functions logging and X-Ray tracing: the "
            + "logs:*LogDelivery, logs:PutResourcePolicy/DescribeResourcePolicies/DescribeLogGroups and xray "
            + "actions do not support resource-level permissions (AWS documents Resource \"*\" for them).";

    private NagSuppressionsForStacks() {
    }

    public static void apply(ControllerStack controller) {
        NagSuppressions.addStackSuppressions(controller, List.of(suppression("AwsSolutions-L1",
                "The handlers are built for the java21 managed runtime (the project's runtime contract, with "
                        + "SnapStart); a runtime change is a project decision made with the handler modules.")));
        for (String role : List.of("WeightShifterRole", "ProbeReplayRole", "TrafficRouterRole")) {
            suppress(controller, role, suppression("AwsSolutions-IAM5", TARGET_QUALIFIERS,
                    regex("/^Resource::arn:.*:lambda:.*:function:[A-Za-z0-9_-]+:\\*$/g")));
        }
        suppress(controller, "ProbeReplayRole", suppression("AwsSolutions-IAM5",
                "Objects under probe-sets/ (read) and rollouts/ (written) of this stack's evidence bucket; keys "
                        + "are chosen per probe set and per rollout stage.",
                regex("/^Resource::<Evidence[0-9A-F]+\\.Arn>\\/(probe-sets|rollouts)\\/\\*$/g")));
        suppress(controller, "WeightShifterRole", suppression("AwsSolutions-IAM5",
                "Edge API tokens: the start input names each edge's secret by ARN at run time, so the grant is "
                        + "scoped by name (this account's secrets named rag-canary/edge/..., in any region the secret "
                        + "was created in; Secrets Manager adds a random suffix to every ARN).",
                regex("/^Resource::arn:<AWS::Partition>:secretsmanager:\\*:.*:secret:rag-canary\\/edge\\/\\*$/g")));
        suppress(controller, "TrafficRouterRole", suppression("AwsSolutions-IAM5",
                "The edge decision keys secret, by its name: Secrets Manager adds a random suffix to its ARN.",
                regex("/^Resource::arn:<AWS::Partition>:secretsmanager:.*:secret:rag-canary\\/edge-decision-keys-\\*$/g")));
        suppress(controller, "GateEvaluationRole", suppression("AwsSolutions-IAM5",
                "Objects under rollouts/ of this stack's evidence bucket; keys are chosen per rollout stage.",
                regex("/^Resource::<Evidence[0-9A-F]+\\.Arn>\\/rollouts\\/\\*$/g")));
        suppress(controller, "GateEvaluationRole", suppression("AwsSolutions-IAM5",
                "cloudwatch:GetMetricData, logs:GetQueryResults and logs:StopQuery do not support resource-level "
                        + "permissions; logs:StartQuery is limited to the router's telemetry log group.",
                "Resource::*"));
        suppress(controller, "GateEvaluationRole", suppression("AwsSolutions-IAM5",
                "logs:StartQuery on the router's telemetry log group (log-group:<name>:* is the log group's own ARN "
                        + "form) in each region of the rollout.",
                regex("/^Resource::arn:<AWS::Partition>:logs:.*:log-group:\\/rag-canary\\/.*\\/router-telemetry:\\*$/g")));
        IConstruct notifications = controller.getNode().findChild("Notifications");
        for (String queue : List.of("CleanupUndelivered", "CleanupFailed")) {
            NagSuppressions.addResourceSuppressions(notifications.getNode().findChild(queue), List.of(suppression(
                    "AwsSolutions-SQS3", "This queue is itself a dead-letter queue (of the cleanup rule's EventBridge "
                            + "target, or of the weight shifter's asynchronous invocations), which cdk-nag cannot see "
                            + "because neither is an SQS redrive policy. An alarm fires on its first message.")), true);
        }
        suppress(controller, "StageMachine", suppression("AwsSolutions-IAM5", MACHINE_LOGS_AND_XRAY, "Resource::*"));
        List<Object> rolloutWildcards = new ArrayList<>(List.of("Resource::*"));
        rolloutWildcards.add(regex("/^Resource::<Evidence[0-9A-F]+\\.Arn>\\/archive\\/\\*$/g"));
        suppress(controller, "RolloutMachine", suppression("AwsSolutions-IAM5", MACHINE_LOGS_AND_XRAY
                + " The archive manifest is written under archive/<rolloutId>/ of this stack's bucket.",
                rolloutWildcards.toArray()));
        suppress(controller, "RolloutMachine", suppression("AwsSolutions-IAM5",
                "startExecution.sync:2 describes and stops the stage machine's executions, whose names are "
                        + "generated per stage: execution:<stage machine name>:*, nothing else.",
                regex("/^Resource::arn:<AWS::Partition>:states:.*:execution:<StageMachine[0-9A-F]+\\.Name>:\\*$/g")));
        suppress(controller, "RolloutMachine", suppression("AwsSolutions-IAM5",
                "An execution that joins a rollout another execution of this machine owns describes that execution, "
                        + "whose name the caller chose: DescribeExecution on execution:<rollout machine name>:*, "
                        + "nothing else.",
                regex("/^Resource::arn:<AWS::Partition>:states:.*:execution:<RolloutMachine[0-9A-F]+\\.Name>:\\*$/g")));
        suppress(controller, "RolloutMachine", suppression("AwsSolutions-IAM5",
                "Publishing to the SSE topic needs kms:GenerateDataKey* on the topic's own key only.",
                "Action::kms:GenerateDataKey*"));
    }

    /** The example pipeline: CDK's own grants on the pipeline's artifact bucket, log group and report groups. */
    public static void apply(ExamplePipelineStack pipeline) {
        NagSuppressions.addStackSuppressions(pipeline, List.of(suppression("AwsSolutions-IAM5",
                "CodePipeline and CodeBuild grants generated by CDK, limited to this pipeline's own artifact bucket "
                        + "(objects, read/write as each action needs), the build's log group and report groups, the "
                        + "build's KMS key and the rollout machine's executions.",
                "Action::s3:Abort*", "Action::s3:DeleteObject*", "Action::s3:GetBucket*", "Action::s3:GetObject*",
                "Action::s3:List*", "Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*",
                regex("/^Resource::<Artifacts[0-9A-F]+\\.Arn>\\/\\*$/g"),
                regex("/^Resource::arn:<AWS::Partition>:codebuild:.*:report-group\\/<Build[0-9A-F]+>-\\*$/g"),
                regex("/^Resource::arn:<AWS::Partition>:logs:.*:log-group:\\/aws\\/codebuild\\/<Build[0-9A-F]+>:\\*$/g"),
                regex("/^Resource::arn:.*:states:.*:execution:.*$/g"))));
    }

    private static void suppress(ControllerStack stack, String child, NagPackSuppression suppression) {
        IConstruct construct = stack.getNode().findChild(child);
        NagSuppressions.addResourceSuppressions(construct, List.of(suppression), true);
    }

    private static NagPackSuppression suppression(String id, String reason, Object... appliesTo) {
        NagPackSuppression.Builder builder = NagPackSuppression.builder().id(id).reason(reason);
        if (appliesTo.length > 0) {
            builder.appliesTo(List.of(appliesTo));
        }
        return builder.build();
    }

    private static RegexAppliesTo regex(String pattern) {
        return RegexAppliesTo.builder().regex(pattern).build();
    }
}
