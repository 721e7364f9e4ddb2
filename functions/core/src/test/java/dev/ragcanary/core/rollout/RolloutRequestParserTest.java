package dev.ragcanary.core.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ragcanary.core.RepoFiles;
import dev.ragcanary.core.json.InvalidInputException;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.json.Problem;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RolloutRequestParserTest {

    @Test
    void fullStartInputKeepsEveryField() {
        RolloutRequest plan = RolloutRequestParser.parse(RepoFiles.read("events/start-rollout.json"));

        assertThat(plan.rolloutId()).isEqualTo("rag-answer-live-v42");
        assertThat(plan.target()).isEqualTo(new RolloutRequest.Target("rag-answer", null, "live", "42", Map.of()));
        assertThat(plan.sticky()).isEqualTo(new RolloutRequest.Sticky("x-tenant-id", "header", 24));
        assertThat(plan.trustedTenants()).containsExactly("acme-internal", "qa-tenant");
        assertThat(plan.regions()).containsExactly("us-east-1", "eu-west-1");
        assertThat(plan.pilotRegion()).isEqualTo("us-east-1");
        assertThat(plan.stages()).isEqualTo(StageLadder.DEFAULT);
        assertThat(plan.thresholds()).isEqualTo(Thresholds.DEFAULTS);
        assertThat(plan.approvals()).containsExactly("fifty");
    }

    @Test
    void aFunctionNamedByNamePartialArnOrArnIsOneTargetKeyedByItsBareName() {
        String minimal = RepoFiles.read("events/start-rollout-minimal.json");
        List<RolloutRequest.Target> targets = List.of("rag-answer", "123456789012:function:rag-answer",
                "arn:aws:lambda:us-east-1:123456789012:function:rag-answer").stream()
                .map(spelled -> RolloutRequestParser.parse(minimal.replace("\"functionName\": \"rag-answer\"",
                        "\"functionName\": \"" + spelled + "\"")).target())
                .toList();

        assertThat(targets).extracting(RolloutRequest.Target::functionName).containsOnly("rag-answer");
        assertThat(targets).extracting(RolloutRequest.Target::account)
                .containsExactly(null, "123456789012", "123456789012");
        assertThat(RolloutRequestParser.parse(minimal.replace("\"functionName\": \"rag-answer\"",
                "\"functionName\": \"arn:aws:lambda:us-east-1:123456789012:function:rag-answer\"")).rolloutId())
                .isEqualTo("rag-answer-live-v42");
    }

    @Test
    void anArnWhoseAccountOrRegionContradictsTheStartInputIsRefused() {
        String minimal = RepoFiles.read("events/start-rollout-minimal.json").replace("\"functionName\": \"rag-answer\"",
                "\"functionName\": \"arn:aws:lambda:ap-south-1:123456789012:function:rag-answer\", \"account\": \"210987654321\"");

        assertThatThrownBy(() -> RolloutRequestParser.parse(minimal))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("$.target.account: is 210987654321 but functionName names account 123456789012")
                .hasMessageContaining("$.target.functionName: names a function in ap-south-1, which is not one of the rollout's regions");
    }

    @Test
    void minimalStartInputGetsTheDefaultLadderThresholdsAndId() {
        RolloutRequest plan = RolloutRequestParser.parse(RepoFiles.read("events/start-rollout-minimal.json"));

        assertThat(plan.rolloutId()).isEqualTo("rag-answer-live-v42");
        assertThat(plan.stages()).extracting(Stage::name)
                .containsExactly("shadow", "one", "five", "ten", "twentyfive", "fifty", "full");
        assertThat(plan.stages()).extracting(Stage::weight).containsExactly(0.0, 0.01, 0.05, 0.10, 0.25, 0.50, 1.0);
        assertThat(plan.thresholds()).isEqualTo(Thresholds.DEFAULTS);
        assertThat(plan.thresholds().deltaSMedianMax()).isEqualTo(0.45);
        assertThat(plan.thresholds().minWarmLatencySamples()).isEqualTo(200);
        assertThat(plan.sticky().hours()).isEqualTo(24);
        assertThat(plan.approvals()).isEmpty();
    }

    @Test
    void customLadderInheritsDefaultsByNameAndThresholdOverridesMerge() {
        RolloutRequest plan = RolloutRequestParser.parse(RepoFiles.read(
                "functions/core/src/test/resources/contracts/start-rollout/valid/custom-ladder.json"));

        assertThat(plan.stages()).containsExactly(
                new Stage("shadow", 0.0, 900, HardStop.SHADOW_DRIFT),
                new Stage("two", 0.02, 600, HardStop.NONE),
                new Stage("fifty", 0.5, 1800, HardStop.PARAPHRASE_FLIPS),
                new Stage("full", 1.0, 0, HardStop.NONE));
        assertThat(plan.thresholds().latencyP95RatioMax()).isEqualTo(1.1);
        assertThat(plan.thresholds().onInsufficientTraffic()).isEqualTo(InsufficientTraffic.HOLD);
        assertThat(plan.thresholds().coverageMin()).isEqualTo(0.70);
        assertThat(plan.target().canaryVersion()).isEqualTo("7");
        assertThat(plan.rolloutId()).isEqualTo("rag-answer-live-v7");
    }

    @Test
    void canaryVersionsMapsTheCanaryPerRegionAndCanaryVersionCoversTheRest() {
        RolloutRequest plan = RolloutRequestParser.parse(RepoFiles.read(
                "functions/core/src/test/resources/contracts/start-rollout/valid/per-region-versions.json"));

        assertThat(plan.regions()).map(plan.target()::canaryVersionIn).containsExactly("42", "17", "9");
        assertThat(plan.rolloutId()).isEqualTo("rag-answer-live-v42");
        assertThat(RolloutRequestParser.parse(Json.compact(plan))).isEqualTo(plan);
    }

    @Test
    void aCanaryVersionForAnotherRegionOrNoPublishedVersionIsRefused() {
        assertThat(problemsOf("schema-canary-versions-wrong.json")).extracting(Problem::toString).containsExactlyInAnyOrder(
                "$.target.canaryVersions.eu-west-1: expected a published version number such as \"42\"; $LATEST and"
                        + " qualifiers cannot carry alias weight but was \"$LATEST\"",
                "$.target.canaryVersions.Europe: expected an AWS region such as us-east-1 but was \"Europe\"",
                "$.target.canaryVersions.Europe: names a region that is not one of the rollout's regions"
                        + " [us-east-1, eu-west-1]");
        assertThat(problemsOf("semantic-canary-version-for-an-unlisted-region.json")).extracting(Problem::toString)
                .containsExactly("$.target.canaryVersions.ap-south-1: names a region that is not one of the rollout's"
                        + " regions [us-east-1, eu-west-1]");
    }

    @Test
    void anEdgeTokenInTheInputIsRefusedNamingTheFieldAndEdgeNamesAreUnique() {
        assertThat(problemsOf("schema-edge-token-in-the-input.json")).extracting(Problem::toString)
                .contains("$.edges[0].token: an API token never goes in the start input (it would be stored in the"
                        + " execution history); store it in Secrets Manager and give the secret's ARN as"
                        + " tokenSecretArn");
        assertThat(problemsOf("semantic-duplicate-edge-names.json")).extracting(Problem::toString)
                .containsExactly("$.edges[1].name: duplicate edge name \"cf\"");
    }

    @Test
    void theEdgesOfTheExampleAreBoundWithTheirPlatformsIds() {
        RolloutRequest plan = RolloutRequestParser.parse(RepoFiles.read("events/start-rollout-edges.json"));

        assertThat(plan.edges()).extracting(EdgeTarget::platform)
                .containsExactly("cloudflare-kv", "vercel-edge-config", "fastly-config-store");
        assertThat(plan.edges().get(0).namespaceId()).isEqualTo("0f2ac74b498b48028cb68387c421e279");
        assertThat(plan.edges().get(0).origins().canary()).isEqualTo("https://rag-canary.example.com");
        assertThat(plan.edges().get(1).teamId()).isEqualTo("team_9Qe3Fz1kLmN0pR7sT2uV");
        assertThat(plan.edges().get(2).storeId()).isEqualTo("7Xb2mQpR9sT4uV6wY8zA1c");
        assertThat(RolloutRequestParser.bindPlan(Json.MAPPER.valueToTree(plan), "$.rollout", new java.util.ArrayList<>()))
                .as("the validated plan, nulls left out, binds back").isEqualTo(plan);
    }

    @Test
    void theSerialisedPlanParsesBackToTheSamePlan() {
        RolloutRequest plan = RolloutRequestParser.parse(RepoFiles.read("events/start-rollout.json"));

        assertThat(RolloutRequestParser.parse(Json.compact(plan))).isEqualTo(plan);
    }

    @Test
    void everyProblemIsReportedAtOnceWithItsPath() {
        List<Problem> problems = problemsOf("schema-everything-wrong.json");

        assertThat(problems).extracting(Problem::path).containsExactlyInAnyOrder(
                "$.colour",
                "$.target.qualifier",
                "$.target.canaryVersion",
                "$.sticky.hours",
                "$.trustedTenants[1]",
                "$.regions",
                "$.stages[1].weight",
                "$.stages[2].bake",
                "$.thresholds.coverageMin");
        assertThat(messageAt(problems, "$.target.canaryVersion")).contains("$LATEST");
        assertThat(messageAt(problems, "$.sticky.hours")).contains("minimum value of 24").contains("12");
        assertThat(messageAt(problems, "$.stages[1].weight")).contains("maximum value of 1").contains("1.5");
        assertThat(messageAt(problems, "$.colour")).contains("unknown field");
        assertThat(messageAt(problems, "$.regions")).contains("array expected");
        assertThat(messageAt(problems, "$.trustedTenants[1]")).contains("must not be empty");
        assertThat(messageAt(problems, "$.thresholds.coverageMin")).contains("number expected");
    }

    @Test
    void missingRequiredFieldsAreEachNamed() {
        assertThat(problemsOf("schema-missing-required.json")).extracting(Problem::path).containsExactlyInAnyOrder(
                "$.target.alias", "$.target.canaryVersion", "$.sticky", "$.expectedIndex", "$.cachePrefixes",
                "$.probeSet", "$.regions");
    }

    @Test
    void versionRegionsAndChoicesAreChecked() {
        List<Problem> problems = problemsOf("schema-version-not-a-number.json");

        assertThat(problems).extracting(Problem::path).containsExactlyInAnyOrder(
                "$.target.canaryVersion", "$.sticky.source", "$.regions[2]", "$.regions");
        assertThat(messageAt(problems, "$.target.canaryVersion")).contains("published version number").contains("v42");
        assertThat(messageAt(problems, "$.regions")).contains("unique");
        assertThat(messageAt(problems, "$.regions[2]")).contains("mars-1");
    }

    @Test
    void ladderRulesTheSchemaCannotExpressAreChecked() {
        List<Problem> problems = problemsOf("semantic-weights-not-increasing.json");

        assertThat(problems).extracting(Problem::path).containsExactlyInAnyOrder(
                "$.stages[2].weight", "$.stages[3].name", "$.stages", "$.approvals[0]");
        assertThat(messageAt(problems, "$.stages[2].weight")).contains("weights must increase");
        assertThat(messageAt(problems, "$.stages[3].name")).contains("duplicate stage name \"five\"");
        assertThat(messageAt(problems, "$.stages")).contains("last stage must have weight 1");
        assertThat(messageAt(problems, "$.approvals[0]")).contains("twentyfive");
    }

    @Test
    void overlappingCachePrefixesAreRefused() {
        List<Problem> problems = problemsOf("semantic-overlapping-cache-prefixes.json");

        assertThat(problems).extracting(Problem::path).containsExactly("$.cachePrefixes.canary");
        assertThat(problems.get(0).message()).contains("must not overlap");
    }

    @Test
    void syntaxErrorsAreReportedAsProblemsNotCrashes() {
        assertThatThrownBy(() -> RolloutRequestParser.parse("{\"target\": "))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("not valid JSON");
    }

    static List<Problem> problemsOf(String invalidFile) {
        try {
            RolloutRequestParser.parse(RepoFiles.read("functions/core/src/test/resources/contracts/start-rollout/invalid/" + invalidFile));
        } catch (InvalidInputException e) {
            return e.problems();
        }
        throw new AssertionError(invalidFile + " was accepted");
    }

    private static String messageAt(List<Problem> problems, String path) {
        return problems.stream().filter(p -> p.path().equals(path)).map(Problem::message).findFirst()
                .orElseThrow(() -> new AssertionError("no problem at " + path + " in " + problems));
    }
}
