package dev.ragcanary.adapters.sfn;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.ports.RolloutExecutions;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionAlreadyExistsException;
import software.amazon.awssdk.services.sfn.model.ExecutionDoesNotExistException;
import software.amazon.awssdk.services.sfn.model.ExecutionListItem;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sfn.model.GetExecutionHistoryResponse;
import software.amazon.awssdk.services.sfn.model.HistoryEvent;
import software.amazon.awssdk.services.sfn.model.InvalidTokenException;
import software.amazon.awssdk.services.sfn.model.TaskDoesNotExistException;
import software.amazon.awssdk.services.sfn.model.TaskTimedOutException;
import software.amazon.awssdk.regions.Region;

/**
 * {@link RolloutExecutions} on one rollout state machine through the Step Functions API.
 *
 * <p>Execution ARNs are derived from the state machine ARN and the execution name (the documented ARN layout), so an
 * operator only ever names the rollout. Approval tokens are read back from the execution history: the rollout machine
 * publishes them in the {@code Message} of its {@code sns:publish.waitForTaskToken} tasks, whose resolved parameters the
 * history's TaskScheduled event keeps.
 */
public final class StepFunctionsRolloutExecutions implements RolloutExecutions {
    private static final Pattern STATE_MACHINE_ARN =
            Pattern.compile("arn:(aws[a-z-]*):states:([a-z0-9-]+):(\\d{12}):stateMachine:([A-Za-z0-9_-]{1,80})");
    private static final String WAIT_FOR_TOKEN = ".waitForTaskToken";
    private static final String START_EXECUTION_SYNC = "startExecution.sync";

    private final SfnClient sfn;
    private final String stateMachineArn;
    private final String executionArnPrefix;

    /** @throws OperatorException if {@code stateMachineArn} is not a state machine ARN */
    public StepFunctionsRolloutExecutions(SfnClient sfn, String stateMachineArn) {
        this.sfn = sfn;
        this.stateMachineArn = stateMachineArn;
        Matcher arn = parse(stateMachineArn);
        this.executionArnPrefix = "arn:" + arn.group(1) + ":states:" + arn.group(2) + ":" + arn.group(3) + ":execution:"
                + arn.group(4) + ":";
    }

    /** The region a state machine ARN names: the operator's calls go there whatever the local AWS settings say. */
    public static Region regionOf(String stateMachineArn) {
        return Region.of(parse(stateMachineArn).group(2));
    }

    public String executionArn(String executionName) {
        return executionArnPrefix + executionName;
    }

    @Override
    public Started start(String executionName, String inputJson) {
        try {
            var response = sfn.startExecution(b -> b.stateMachineArn(stateMachineArn).name(executionName).input(inputJson));
            return new Started(new Execution(executionName, response.executionArn(), "RUNNING", response.startDate(),
                    null, inputJson, null, null), false);
        } catch (ExecutionAlreadyExistsException taken) {
            Execution existing = describe(executionName).orElseThrow(() -> new OperatorException(
                    "Step Functions says execution " + executionName + " exists but cannot describe it: "
                            + taken.awsErrorDetails().errorMessage(), taken));
            return new Started(existing, true);
        } catch (SdkException e) {
            throw failed("start execution " + executionName + " of " + stateMachineArn, e);
        }
    }

    @Override
    public Optional<Execution> describe(String executionName) {
        return describeByArn(executionArn(executionName));
    }

    @Override
    public Optional<Execution> describeByArn(String executionArn) {
        try {
            DescribeExecutionResponse d = sfn.describeExecution(b -> b.executionArn(executionArn));
            return Optional.of(new Execution(d.name(), d.executionArn(), d.statusAsString(), d.startDate(), d.stopDate(),
                    d.input(), d.error(), d.cause()));
        } catch (ExecutionDoesNotExistException none) {
            return Optional.empty();
        } catch (SdkException e) {
            throw failed("describe execution " + executionArn, e);
        }
    }

    @Override
    public List<Execution> running() {
        try {
            return sfn.listExecutions(b -> b.stateMachineArn(stateMachineArn).statusFilter(ExecutionStatus.RUNNING)
                            .maxResults(100))
                    .executions().stream().map(StepFunctionsRolloutExecutions::listed).toList();
        } catch (SdkException e) {
            throw failed("list running executions of " + stateMachineArn, e);
        }
    }

    @Override
    public Optional<PendingApproval> pendingApproval(String executionName) {
        String arn = executionArn(executionName);
        String nextToken = null;
        HistoryEvent waiting = null;
        try {
            do {
                String page = nextToken;
                GetExecutionHistoryResponse history = sfn.getExecutionHistory(b -> b.executionArn(arn).reverseOrder(true)
                        .maxResults(100).includeExecutionData(true).nextToken(page));
                for (HistoryEvent event : history.events()) {
                    if (waiting == null) {
                        if (answered(event)) {
                            return Optional.empty();
                        }
                        if (event.taskScheduledEventDetails() != null
                                && event.taskScheduledEventDetails().resource().endsWith(WAIT_FOR_TOKEN)) {
                            waiting = event;
                        }
                    } else if (event.stateEnteredEventDetails() != null) {
                        return Optional.of(pending(waiting, event.stateEnteredEventDetails().name()));
                    }
                }
                nextToken = history.nextToken();
            } while (nextToken != null);
        } catch (ExecutionDoesNotExistException none) {
            throw new OperatorException("no execution named " + executionName + " (" + arn + ")", none);
        } catch (SdkException e) {
            throw failed("read the history of " + executionName, e);
        }
        return waiting == null ? Optional.empty() : Optional.of(pending(waiting, null));
    }

    @Override
    public Optional<String> lastStageResult(String executionName) {
        String arn = executionArn(executionName);
        String nextToken = null;
        try {
            do {
                String page = nextToken;
                GetExecutionHistoryResponse history = sfn.getExecutionHistory(b -> b.executionArn(arn).reverseOrder(true)
                        .maxResults(100).includeExecutionData(true).nextToken(page));
                for (HistoryEvent event : history.events()) {
                    if (event.taskSucceededEventDetails() != null
                            && event.taskSucceededEventDetails().resource().startsWith(START_EXECUTION_SYNC)) {
                        return stageOutput(event.taskSucceededEventDetails().output());
                    }
                }
                nextToken = history.nextToken();
            } while (nextToken != null);
        } catch (ExecutionDoesNotExistException none) {
            return Optional.empty();
        } catch (SdkException e) {
            throw failed("read the history of " + executionName, e);
        }
        return Optional.empty();
    }

    /** A startExecution.sync:2 task's output is the DescribeExecution shape; the stage's own output is its Output. */
    private static Optional<String> stageOutput(String taskOutput) {
        try {
            JsonNode described = Json.MAPPER.readTree(taskOutput);
            JsonNode output = described.path("Output");
            if (output.isTextual()) {
                output = Json.MAPPER.readTree(output.asText());
            }
            return output.isObject() ? Optional.of(Json.compact(output)) : Optional.empty();
        } catch (IOException notJson) {
            return Optional.empty();
        }
    }

    @Override
    public void answer(String taskToken, String outputJson) {
        try {
            sfn.sendTaskSuccess(b -> b.taskToken(taskToken).output(outputJson));
        } catch (TaskTimedOutException | TaskDoesNotExistException | InvalidTokenException gone) {
            throw new OperatorException("the approval is no longer waiting (" + gone.awsErrorDetails().errorCode() + ": "
                    + gone.awsErrorDetails().errorMessage() + "); check ./canary status", gone);
        } catch (SdkException e) {
            throw failed("send the approval", e);
        }
    }

    @Override
    public void stop(String executionName, String error, String cause) {
        try {
            sfn.stopExecution(b -> b.executionArn(executionArn(executionName)).error(error).cause(cause));
        } catch (ExecutionDoesNotExistException none) {
            throw new OperatorException("no execution named " + executionName + " (" + executionArn(executionName) + ")", none);
        } catch (SdkException e) {
            throw failed("stop execution " + executionName, e);
        }
    }

    /** A waitForTaskToken task that ended: nothing waits any more (its TaskScheduled comes later in reverse order). */
    private static boolean answered(HistoryEvent event) {
        String resource = event.taskSucceededEventDetails() != null ? event.taskSucceededEventDetails().resource()
                : event.taskFailedEventDetails() != null ? event.taskFailedEventDetails().resource()
                : event.taskTimedOutEventDetails() != null ? event.taskTimedOutEventDetails().resource()
                : event.taskSubmitFailedEventDetails() != null ? event.taskSubmitFailedEventDetails().resource()
                : event.taskStartFailedEventDetails() != null ? event.taskStartFailedEventDetails().resource()
                : null;
        return resource != null && resource.endsWith(WAIT_FOR_TOKEN);
    }

    private static PendingApproval pending(HistoryEvent scheduled, String stateName) {
        String parameters = scheduled.taskScheduledEventDetails().parameters();
        JsonNode message;
        try {
            message = Json.MAPPER.readTree(parameters).path("Message");
        } catch (IOException e) {
            throw new OperatorException("the waiting task's parameters are not JSON: " + parameters, e);
        }
        if (message.isTextual()) {
            // SNS messages may be given as a JSON string rather than an object.
            try {
                message = Json.MAPPER.readTree(message.asText());
            } catch (IOException notJson) {
                message = Json.MAPPER.createObjectNode();
            }
        }
        String token = message.path("taskToken").asText(null);
        if (token == null) {
            throw new OperatorException("the execution waits in task " + stateName
                    + " but its message carries no taskToken field; answer it from the console");
        }
        return new PendingApproval(token, stateName, scheduled.timestamp(), Json.compact(message));
    }

    private static Execution listed(ExecutionListItem item) {
        return new Execution(item.name(), item.executionArn(), item.statusAsString(), item.startDate(), item.stopDate(),
                null, null, null);
    }

    private static Matcher parse(String stateMachineArn) {
        Matcher arn = STATE_MACHINE_ARN.matcher(stateMachineArn == null ? "" : stateMachineArn);
        if (!arn.matches()) {
            throw new OperatorException("not a state machine ARN: \"" + stateMachineArn
                    + "\" (expected arn:aws:states:REGION:ACCOUNT:stateMachine:NAME; see the stack outputs of cdk deploy)");
        }
        return arn;
    }

    private OperatorException failed(String what, SdkException e) {
        String detail = e instanceof software.amazon.awssdk.awscore.exception.AwsServiceException aws
                && aws.awsErrorDetails() != null
                ? aws.awsErrorDetails().errorCode() + ": " + aws.awsErrorDetails().errorMessage()
                : e.getMessage();
        return new OperatorException("could not " + what + " (" + detail + ")", e);
    }
}
