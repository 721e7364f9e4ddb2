package dev.ragcanary.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.cxapi.SynthesisMessage;

/** cdk-nag's AwsSolutions rules find nothing unsuppressed in any stack or configuration. */
class NagFindingsTest {

    @Test
    void productionControllerAndPipelineHaveNoUnsuppressedFinding() {
        SynthesizedController synthesized = SynthesizedController.production();
        assertThat(findings(synthesized.controller)).isEmpty();
        assertThat(findings(synthesized.pipeline)).isEmpty();
    }

    @Test
    void productionWithTheHttpApiFrontDoorHasNoUnsuppressedFinding() {
        assertThat(findings(SynthesizedController.productionWithFrontDoor().controller)).isEmpty();
    }

    @Test
    void testStackConfigurationHasNoUnsuppressedFinding() {
        assertThat(findings(SynthesizedController.testStack().controller)).isEmpty();
    }

    static List<String> findings(Stack stack) {
        Annotations annotations = Annotations.fromStack(stack);
        List<SynthesisMessage> messages = new java.util.ArrayList<>();
        messages.addAll(annotations.findError("*", Match.stringLikeRegexp("AwsSolutions-.*")));
        messages.addAll(annotations.findWarning("*", Match.stringLikeRegexp("AwsSolutions-.*")));
        return messages.stream().map(m -> m.getId() + " " + m.getEntry().getData()).toList();
    }
}
