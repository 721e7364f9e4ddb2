package dev.ragcanary.core.gate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ragcanary.core.calibration.Calibration;
import dev.ragcanary.core.calibration.CalibrationTest;
import dev.ragcanary.core.probe.LambdaState;
import dev.ragcanary.core.probe.ProbeSummary;
import dev.ragcanary.core.rollout.StageLadder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CalibratedQualityRulesTest {
    /** ΔS median differences with mean 0 and sd 0.0059: calibrated limit 0.0195 (CalibrationTest). */
    private static final Calibration CALIBRATION = CalibrationTest.calibration(
            -0.0095, -0.0085, -0.0075, -0.0065, -0.0055, -0.0045, -0.0035, -0.0025, -0.0015, -0.0005,
            0.0005, 0.0015, 0.0025, 0.0035, 0.0045, 0.0055, 0.0065, 0.0075, 0.0085, 0.0095);

    private static RuleResult rule(Evidence evidence, String id) {
        Verdict verdict = GateEngine.standard().evaluate(StageLadder.defaultStage("shadow").orElseThrow(),
                evidence.thresholds(), evidence);
        return verdict.rules().stream().filter(r -> r.rule().equals(id)).findFirst().orElseThrow();
    }

    private static Evidence calibrated(ProbeSummary probes) {
        Evidence e = GateEngineTest.evidence(probes, null);
        return new Evidence(e.description(), e.stage(), e.weight(), e.extensions(), e.probes(), e.live(), e.fingerprints(),
                e.expectedIndex(), e.thresholds(), e.egress(), CALIBRATION);
    }

    /** The control at {@code controlDeltaS}, the canary at {@code canaryDeltaS}. */
    private static ProbeSummary probes(double controlDeltaS, double canaryDeltaS) {
        ProbeSummary p = GateEngineTest.probes(canaryDeltaS, 0.80, 0);
        ProbeSummary.VariantProbes c = p.control();
        return new ProbeSummary(p.evidenceKey(), p.questions(), new ProbeSummary.VariantProbes(
                new ProbeSummary.DeltaS(controlDeltaS, controlDeltaS + 0.1, 12), c.coverage(), c.lambda(), 0, 0, 12), p.canary());
    }

    @Test
    void withoutACalibrationEveryQualityLimitIsThePlaybooks() {
        RuleResult r = rule(GateEngineTest.evidence(probes(0.47, 0.47), null), "quality.deltaS.median");

        assertThat(r.limit()).isEqualTo(0.45);
        assertThat(r.limitSource()).isEqualTo("playbook");
        assertThat(r.outcome()).as("today's behaviour: an identical canary fails the absolute limit").isEqualTo(Outcome.FAIL);
    }

    @Test
    void aControlThatFailsThePlaybookIsJudgedRelativeToItsCalibratedNoise() {
        RuleResult within = rule(calibrated(probes(0.47, 0.485)), "quality.deltaS.median");
        RuleResult beyond = rule(calibrated(probes(0.47, 0.49)), "quality.deltaS.median");

        assertThat(within.outcome()).isEqualTo(Outcome.PASS);
        assertThat(within.limit()).isEqualTo(0.4895);
        assertThat(within.comparator()).isEqualTo("<=");
        assertThat(within.limitSource()).isEqualTo("calibrated on 2025-08-27, 20 runs");
        assertThat(within.note()).contains("the control itself fails the playbook's <= 0.45: judged relative to the"
                + " control instead (control 0.47 + calibrated noise 0.0195)");
        assertThat(beyond.outcome()).isEqualTo(Outcome.FAIL);
        assertThat(beyond.explain()).contains("limit <= 0.4895 (calibrated on 2025-08-27, 20 runs)");
    }

    @Test
    void aControlWithinThePlaybookMustAlsoStayWithinItsNoise() {
        RuleResult r = rule(calibrated(probes(0.30, 0.33)), "quality.deltaS.median");

        assertThat(r.outcome()).as("0.33 is inside the playbook's 0.45 but 0.03 above the control").isEqualTo(Outcome.FAIL);
        assertThat(r.limit()).isEqualTo(0.3195);
        assertThat(r.limitSource()).isEqualTo("calibrated on 2025-08-27, 20 runs");
    }

    @Test
    void theShadowDriftStopStaysAbsoluteWhileTheControlMeetsIt() {
        RuleResult r = rule(calibrated(probes(0.47, 0.55)), "shadow.deltaS.median");

        assertThat(r.outcome()).isEqualTo(Outcome.PASS);
        assertThat(r.limit()).isEqualTo(0.6);
        assertThat(r.limitSource()).isEqualTo("playbook");
    }

    @Test
    void aControlNotLambdaConvergentIsJudgedByTheCountItAlreadyHas() {
        Map<String, List<LambdaState>> divergent = Map.of("q1", List.of(LambdaState.DIVERGENT), "q2",
                List.of(LambdaState.CONVERGENT));
        ProbeSummary p = probes(0.47, 0.47);
        ProbeSummary.VariantProbes c = p.control();
        ProbeSummary.VariantProbes k = p.canary();
        ProbeSummary both = new ProbeSummary("k", 2,
                new ProbeSummary.VariantProbes(c.deltaS(), c.coverage(), divergent, 0, 0, 12),
                new ProbeSummary.VariantProbes(k.deltaS(), k.coverage(), divergent, 0, 0, 12));

        RuleResult r = rule(calibrated(both), "quality.lambda.convergent");

        assertThat(r.outcome()).isEqualTo(Outcome.PASS);
        assertThat(r.limit()).isEqualTo(1.0);
        assertThat(r.note()).contains("the control itself fails the playbook's <= 0");
    }
}
