package dev.ragcanary.infra;

import java.util.List;
import java.util.Map;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.MathExpression;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.events.EventField;
import software.amazon.awscdk.services.events.EventPattern;
import software.amazon.awscdk.services.events.IRule;
import software.amazon.awscdk.services.events.IRuleTarget;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.RuleTargetConfig;
import software.amazon.awscdk.services.events.RuleTargetInput;
import software.amazon.awscdk.services.events.targets.LambdaFunction;
import software.amazon.awscdk.services.events.targets.SnsTopic;
import software.amazon.awscdk.services.iam.PolicyDocument;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.lambda.IFunction;
import software.amazon.awscdk.services.logs.CfnResourcePolicy;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.sns.ITopic;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sns.subscriptions.EmailSubscription;
import software.amazon.awscdk.services.stepfunctions.IStateMachine;
import software.constructs.Construct;

/**
 * Who hears about a rollout: the SNS topic (rollback, promotion, approval requests, failed-execution alarm), the
 * stage-transition event log, and the cleanup that finishes every rollout execution's end (rolls back a stopped,
 * timed-out or failed rollout; releases a lock any end left held).
 */
public class ControllerNotifications extends Construct {
    static final String STATUS_CHANGE = "Step Functions Execution Status Change";
    /**
     * Every end of a rollout execution: a stopped, timed-out or failed one must leave the canary at weight zero, and
     * any end must leave the lock released (or flagged for {@code ./canary release}).
     */
    static final List<String> ENDED = List.of("SUCCEEDED", "ABORTED", "TIMED_OUT", "FAILED");

    private final ITopic topic;
    private final LogGroup stageTransitions;
    private final String namePrefix;

    public ControllerNotifications(Construct scope, String id, ControllerConfig config) {
        super(scope, id);
        namePrefix = config.tablePrefix();
        topic = config.notificationTopicArn()
                .map(arn -> Topic.fromTopicArn(this, "Topic", arn))
                .orElseGet(this::encryptedTopic);
        config.notificationEmail().ifPresent(email -> topic.addSubscription(new EmailSubscription(email)));
        stageTransitions = LogGroup.Builder.create(this, "StageTransitions")
                .logGroupName("/aws/events/" + config.tablePrefix() + "-stage-transitions")
                .retention(RetentionDays.THREE_MONTHS)
                .removalPolicy(config.deletionProtection() ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY)
                .build();
    }

    public ITopic topic() {
        return topic;
    }

    /** Log group receiving every stage machine status change (a stage entered, a verdict returned). */
    public LogGroup stageTransitions() {
        return stageTransitions;
    }

    /** Wires the rules and the alarm once the machines and the weight shifter exist. */
    public void watch(IStateMachine rollout, IStateMachine stage, IFunction weightShifter) {
        Rule.Builder.create(this, "RolloutOutcome")
                .description("Tells the topic when a rollout is promoted (SUCCEEDED) or rolled back")
                .eventPattern(statusChange(rollout, ENDED))
                .targets(List.of(SnsTopic.Builder.create(topic)
                        .message(RuleTargetInput.fromText("rag-canary rollout execution "
                                + EventField.fromPath("$.detail.name") + " ended "
                                + EventField.fromPath("$.detail.status")
                                + ". SUCCEEDED means promoted to full; otherwise the canary was not promoted and its "
                                + "weight is back to 0. Error: " + EventField.fromPath("$.detail.error")
                                + ". Cause (a rollback names the stage, rule, observed value and limit): "
                                + EventField.fromPath("$.detail.cause")
                                + ". Execution: " + EventField.fromPath("$.detail.executionArn")))
                        .build()))
                .build();

        Rule.Builder.create(this, "RolloutEndCleanup")
                .description("Rolls back a rollout whose execution was stopped, timed out or failed, and releases a"
                        + " lock any ended execution left held")
                .eventPattern(statusChange(rollout, ENDED))
                .targets(List.of(LambdaFunction.Builder.create(weightShifter)
                        .retryAttempts(8)
                        .maxEventAge(Duration.hours(2))
                        .build()))
                .build();

        Rule.Builder.create(this, "StageTransitionsRule")
                .description("Records every stage execution status change (stage entered, verdict returned)")
                .eventPattern(statusChange(stage, List.of("RUNNING", "SUCCEEDED", "ABORTED", "TIMED_OUT", "FAILED")))
                .targets(List.of(new LogGroupTarget(stageTransitions)))
                .build();
        CfnResourcePolicy.Builder.create(this, "StageTransitionsDelivery")
                .policyName(namePrefix + "-stage-transitions")
                .policyDocument(Stack.of(this).toJsonString(PolicyDocument.Builder.create()
                        .statements(List.of(PolicyStatement.Builder.create()
                                .principals(List.of(new ServicePrincipal("events.amazonaws.com"),
                                        new ServicePrincipal("delivery.logs.amazonaws.com")))
                                .actions(List.of("logs:CreateLogStream", "logs:PutLogEvents"))
                                .resources(List.of(stageTransitions.getLogGroupArn()))
                                .build()))
                        .build().toJSON()))
                .build();

        IMetric failed = rollout.metricFailed();
        IMetric timedOut = rollout.metricTimedOut();
        Alarm alarm = Alarm.Builder.create(this, "RolloutExecutionsFailed")
                .alarmDescription("A rag-canary rollout execution failed or timed out (a rollback, or an error)")
                .metric(MathExpression.Builder.create()
                        .expression("FILL(failed, 0) + FILL(timedOut, 0)")
                        .usingMetrics(Map.of("failed", failed, "timedOut", timedOut))
                        .period(Duration.minutes(5))
                        .build())
                .threshold(1)
                .evaluationPeriods(1)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                .treatMissingData(TreatMissingData.NOT_BREACHING)
                .build();
        alarm.addAlarmAction(new SnsAction(topic));
    }

    private static EventPattern statusChange(IStateMachine machine, List<String> statuses) {
        return EventPattern.builder()
                .source(List.of("aws.states"))
                .detailType(List.of(STATUS_CHANGE))
                .detail(Map.of("stateMachineArn", List.of(machine.getStateMachineArn()), "status", statuses))
                .build();
    }

    private Topic encryptedTopic() {
        // A customer managed key, because EventBridge and CloudWatch alarms cannot publish with the AWS managed one.
        Key key = Key.Builder.create(this, "TopicKey")
                .description("rag-canary notification topic")
                .enableKeyRotation(true)
                .build();
        for (String service : List.of("events.amazonaws.com", "cloudwatch.amazonaws.com")) {
            key.grant(new ServicePrincipal(service), "kms:Decrypt", "kms:GenerateDataKey*");
        }
        return Topic.Builder.create(this, "Topic")
                .displayName("rag-canary rollouts")
                .masterKey(key)
                .enforceSsl(true)
                .build();
    }

    /**
     * A log group as an EventBridge target. The resource policy is a plain CloudFormation resource, instead of the
     * library target's custom-resource Lambda.
     */
    private static final class LogGroupTarget implements IRuleTarget {
        private final LogGroup logGroup;

        LogGroupTarget(LogGroup logGroup) {
            this.logGroup = logGroup;
        }

        @Override
        public RuleTargetConfig bind(IRule rule) {
            // The target ARN names the log group itself (getLogGroupArn() ends in ":*", which EventBridge rejects).
            return RuleTargetConfig.builder().arn(Stack.of(logGroup).formatArn(ArnComponents.builder()
                    .service("logs").resource("log-group").resourceName(logGroup.getLogGroupName())
                    .arnFormat(ArnFormat.COLON_RESOURCE_NAME).build())).build();
        }

        @Override
        public RuleTargetConfig bind(IRule rule, String id) {
            return bind(rule);
        }
    }
}
