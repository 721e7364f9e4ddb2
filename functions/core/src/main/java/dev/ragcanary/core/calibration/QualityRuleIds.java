package dev.ragcanary.core.calibration;

/** The ids of the quality rules a calibration speaks about, as the gate's verdicts name them. */
public final class QualityRuleIds {
    public static final String DELTA_S = "quality.deltaS.median";
    public static final String COVERAGE = "quality.coverage.mean";
    public static final String TOPIC_COVERAGE = "quality.coverage.perTopic";
    public static final String LAMBDA = "quality.lambda.convergent";
    public static final String FLIPS = "quality.lambda.flipsPerQuestion";
    public static final String SHADOW_DELTA_S = "shadow.deltaS.median";
    public static final String SCHEMA = "shadow.schema.violations";

    private QualityRuleIds() {
    }
}
