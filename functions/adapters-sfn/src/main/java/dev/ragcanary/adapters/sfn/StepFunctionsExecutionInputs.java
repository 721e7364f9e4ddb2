package dev.ragcanary.adapters.sfn;

import dev.ragcanary.core.ports.ExecutionInputs;
import java.util.Optional;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.ExecutionDoesNotExistException;

/** {@link ExecutionInputs} through DescribeExecution, which always returns the whole input (up to 256 KiB). */
public final class StepFunctionsExecutionInputs implements ExecutionInputs {
    private final SfnClient sfn;

    public StepFunctionsExecutionInputs(SfnClient sfn) {
        this.sfn = sfn;
    }

    @Override
    public Optional<String> startInput(String executionArn) {
        try {
            return Optional.of(sfn.describeExecution(b -> b.executionArn(executionArn)).input());
        } catch (ExecutionDoesNotExistException none) {
            return Optional.empty();
        }
    }
}
