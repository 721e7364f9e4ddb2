package dev.ragcanary.infra;

import java.util.ArrayList;
import java.util.LinkedHashMap;
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
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
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
import software.amazon.awscdk.services.iam.PolicyDocument;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kms.Key;
import software.amazon.awscdk.services.lambda.EventInvokeConfigOptions;
import software.amazon.awscdk.services.lambda.IFunction;
import software.amazon.awscdk.services.lambda.destinations.SqsDestination;
import software.amazon.awscdk.services.logs.CfnResourcePolicy;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.sns.ITopic;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sns.subscriptions.EmailSubscription;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.amazon.awscdk.services.stepfunctions.IStateMachine;
import software.constructs.Construct;

/**
 * Who hears about a rollout: the SNS topic (rollback, promotion, approval requests, alarms), the stage-transition
 * event log, and the cleanup that finishes every rollout execution's end (rolls back a stopped, timed-out or failed
 * rollout; releases a lock any end left held). A cleanup that cannot be delivered or keeps failing lands in a queue
 * whose alarm tells the topic, instead of vanishing.
 *
 * <p>A topic policy replaces SNS's default one, so every service that publishes to the created topic is named in it:
 * EventBridge for each rule that targets it, CloudWatch for each alarm that notifies it, each limited by
 * {@code aws:SourceArn}.
 */
public class ControllerNotifications extends Construct {
    static final String STATUS_CHANGE = "Step Functions Execution Status Change";
    /**
     * Every end of a rollout execution: a stopped, timed-out or failed one must leave the canary at weight zero, and
     * any end must leave the lock released (or flagged for {@code ./canary release}).
     */
    static final List<String> ENDED = List.of("SUCCEEDED", "ABORTED", "TIMED_OUT", "FAILED");

    /** Lambda's own retries of a failed asynchronous cleanup before it goes to the failure queue (its maximum). */
    static final int CLEANUP_FUNCTION_RETRIES = 2;
    /** Name suffixes (after the table prefix) of the cleanup queues and their alarms. */
    static final String CLEANUP_UNDELIVERED = "cleanup-undelivered";
    static final String CLEANUP_FAILED = "cleanup-failed";

    private final ITopic topic;
    private final LogGroup stageTransitions;
    private final String namePrefix;
    private final List<String> targetFunctionNames;
    private final List<Alarm> alarms = new ArrayList<>();

    public ControllerNotifications(Construct scope, String id, ControllerConfig config) {
        super(scope, id);
        namePrefix = config.tablePrefix();
        targetFunctionNames = config.targetFunctions().stream().map(ControllerConfig::functionName).toList();
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
                .targets(List.of(new TopicTarget(topic, RuleTargetInput.fromText("rag-canary rollout execution "
                                + EventField.fromPath("$.detail.name") + " ended "
                                + EventField.fromPath("$.detail.status")
                                + ". SUCCEEDED means promoted to full; otherwise the canary was not promoted and its "
                                + "weight is back to 0. Error: " + EventField.fromPath("$.detail.error")
                                + ". Cause (a rollback names the stage, rule, observed value and limit): "
                                + EventField.fromPath("$.detail.cause")
                                + ". Execution: " + EventField.fromPath("$.detail.executionArn")))))
                .build();

        // Two ways a cleanup can be lost, one queue each: EventBridge cannot hand the event to Lambda (its retries
        // run out, or the invoke is denied), or the weight shifter keeps failing on it (Lambda's asynchronous retries
        // run out). The function's invoke config applies to asynchronous invocations only; the state machines invoke
        // it synchronously, so their Tasks keep their own Retry and Catch.
        Queue undelivered = deadLetterQueue("CleanupUndelivered", CLEANUP_UNDELIVERED);
        Queue cleanupFailures = deadLetterQueue("CleanupFailed", CLEANUP_FAILED);
        weightShifter.configureAsyncInvoke(EventInvokeConfigOptions.builder()
                .retryAttempts(CLEANUP_FUNCTION_RETRIES)
                .maxEventAge(Duration.hours(6))
                .onFailure(new SqsDestination(cleanupFailures))
                .build());
        Rule.Builder.create(this, "RolloutEndCleanup")
                .description("Rolls back a rollout whose execution was stopped, timed out or failed, and releases a"
                        + " lock any ended execution left held")
                .eventPattern(statusChange(rollout, ENDED))
                .targets(List.of(LambdaFunction.Builder.create(weightShifter)
                        .retryAttempts(8)
                        .maxEventAge(Duration.hours(2))
                        .deadLetterQueue(undelivered)
                        .build()))
                .build();
        notifyTopic(alarmOnMessages("CleanupUndeliveredAlarm", undelivered, CLEANUP_UNDELIVERED, "A rollout end's cleanup event could not be "
                + "delivered to the weight shifter: the rollout may keep its canary weight and lock. See docs/deploy.md"));
        notifyTopic(alarmOnMessages("CleanupFailedAlarm", cleanupFailures, CLEANUP_FAILED, "The weight shifter failed a rollout end's cleanup after "
                + "its retries: the rollout may keep its canary weight and lock. See docs/deploy.md"));

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
        notifyTopic(Alarm.Builder.create(this, "RolloutExecutionsFailed")
                .alarmName(namePrefix + "-rollout-executions-failed")
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
                .build());
        if (!targetFunctionNames.isEmpty()) {
            notifyTopic(Alarm.Builder.create(this, "CachePurgesUnfinished")
                    .alarmName(namePrefix + "-cache-purges-unfinished")
                    .alarmDescription("A rollout's stale cache could not be purged (the ledger names the prefix); the"
                            + " promotion or rollback stands, but old answers may be served until the prefix is purged")
                    .metric(cachePurgesUnfinished())
                    .threshold(1)
                    .evaluationPeriods(1)
                    .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                    .treatMissingData(TreatMissingData.NOT_BREACHING)
                    .build());
        }
        allowAlarmsToPublish();
    }

    /**
     * The weight shifter's {@code CachePurgesUnfinished} count (docs/metrics.md), summed over the target functions:
     * the metric is per function, and an alarm's math may read up to 10 metrics.
     */
    private MathExpression cachePurgesUnfinished() {
        Map<String, IMetric> perFunction = new LinkedHashMap<>();
        for (String function : targetFunctionNames) {
            perFunction.put("f" + perFunction.size(), Metric.Builder.create()
                    .namespace(ControllerDashboard.NAMESPACE).metricName("CachePurgesUnfinished")
                    .dimensionsMap(Map.of("FunctionName", function)).statistic("Sum").build());
        }
        return MathExpression.Builder.create()
                .expression("SUM(FILL(METRICS(), 0))")
                .usingMetrics(perFunction)
                .period(Duration.minutes(5))
                .build();
    }

    /** A queue that keeps what could not be processed for 14 days (SQS's maximum), encrypted, TLS only. */
    private Queue deadLetterQueue(String id, String suffix) {
        return Queue.Builder.create(this, id)
                .queueName(namePrefix + "-" + suffix)
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .retentionPeriod(Duration.days(14))
                .build();
    }

    /** Fires on the first message in {@code queue}: each one is a rollout end that may not have been cleaned up. */
    private Alarm alarmOnMessages(String id, Queue queue, String suffix, String description) {
        return Alarm.Builder.create(this, id)
                .alarmName(namePrefix + "-" + suffix)
                .alarmDescription(description)
                .metric(queue.metricApproximateNumberOfMessagesVisible(MetricOptions.builder()
                        .period(Duration.minutes(1)).statistic("Maximum").build()))
                .threshold(1)
                .evaluationPeriods(1)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                .treatMissingData(TreatMissingData.NOT_BREACHING)
                .build();
    }

    private void notifyTopic(Alarm alarm) {
        alarm.addAlarmAction(new SnsAction(topic));
        alarms.add(alarm);
    }

    /** CloudWatch may publish for this stack's alarms that notify the topic, and for no other alarm. */
    private void allowAlarmsToPublish() {
        topic.addToResourcePolicy(PolicyStatement.Builder.create()
                .sid("CloudWatchAlarmsOfThisStack")
                .principals(List.of(new ServicePrincipal("cloudwatch.amazonaws.com")))
                .actions(List.of("sns:Publish"))
                .resources(List.of(topic.getTopicArn()))
                .conditions(Map.of(
                        "ArnEquals", Map.of("aws:SourceArn", alarms.stream().map(Alarm::getAlarmArn).toList()),
                        "StringEquals", Map.of("aws:SourceAccount", Stack.of(this).getAccount())))
                .build());
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
     * The topic as an EventBridge target. CDK's own SNS target grants {@code events.amazonaws.com} publish on the
     * topic for any rule; this one grants it only to the rule it is bound to ({@code aws:SourceArn}).
     */
    private static final class TopicTarget implements IRuleTarget {
        private final ITopic topic;
        private final RuleTargetInput message;

        TopicTarget(ITopic topic, RuleTargetInput message) {
            this.topic = topic;
            this.message = message;
        }

        @Override
        public RuleTargetConfig bind(IRule rule) {
            topic.addToResourcePolicy(PolicyStatement.Builder.create()
                    .principals(List.of(new ServicePrincipal("events.amazonaws.com")))
                    .actions(List.of("sns:Publish"))
                    .resources(List.of(topic.getTopicArn()))
                    .conditions(Map.of("ArnEquals", Map.of("aws:SourceArn", rule.getRuleArn())))
                    .build());
            return RuleTargetConfig.builder().arn(topic.getTopicArn()).input(message).build();
        }

        @Override
        public RuleTargetConfig bind(IRule rule, String id) {
            return bind(rule);
        }
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
