package dev.ragcanary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ragcanary.cli.outcome.ExitCodes;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.core.probe.ProbeSummary;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ProbeCommandsTest {
    private static final String GOLD = "../events/probes/gold.json";

    @TempDir
    Path tmp;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = CanaryCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void validatesTheGoldSet() {
        assertThat(run("probes", "validate", GOLD)).isEqualTo(ExitCodes.OK);
        assertThat(out.toString()).contains("valid probe set \"rag-canary runbook gold set\", 52 questions");
    }

    @Test
    void reportsEveryProblemWithItsPathAndExitsTwo() throws Exception {
        Path bad = tmp.resolve("bad.json");
        Files.writeString(bad, """
                {"probes": [{"id": "a", "topic": "t", "question": "q", "paraphrases": ["1", "2"]},
                            {"id": "a", "question": "q", "paraphrases": ["1", "2", "3"], "targetSections": []}]}""");

        assertThat(run("probes", "validate", bad.toString())).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains(
                "$.probes: must have at least 50 items but found 2",
                "$.probes[0].paraphrases: must have at least 3 items but found 2",
                "$.probes[0].targetSections: a probe needs a target",
                "$.probes[1].topic: is required but missing",
                "$.probes[1].targetSections: must not be empty",
                "$.probes[1].id: duplicate id \"a\"");
    }

    @Test
    void aMissingFileExitsTwo() {
        assertThat(run("probes", "validate", tmp.resolve("nope.json").toString())).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("no such file");
    }

    @Test
    void replaysIdenticalVariantsWithoutFlips() {
        int exit = run("replay", "--probes", GOLD, "--evidence-dir", tmp.toString(), "--concurrency", "4");

        assertThat(exit).isEqualTo(ExitCodes.OK);
        assertThat(out.toString()).contains("λ flips (canary state differs from control): 0", "calls", "312");
    }

    @Test
    void replaysAStaleCanaryAsJson() throws Exception {
        int exit = run("replay", "--probes", GOLD, "--canary", "staleIndex=true", "--canary", "topK=2", "--json",
                "--evidence-dir", tmp.toString());

        assertThat(exit).isEqualTo(ExitCodes.OK);
        ProbeSummary summary = Json.MAPPER.readValue(out.toString(), ProbeSummary.class);
        assertThat(summary.canary().coverage().mean()).isLessThan(summary.control().coverage().mean());
        assertThat(Files.exists(tmp.resolve(summary.evidenceKey()))).isTrue();
    }

    @Test
    void aBadVariantSettingIsBadInput() {
        assertThat(run("replay", "--probes", GOLD, "--canary", "analyzer=klingon", "--evidence-dir", tmp.toString()))
                .isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("analyzer: must be one of [english, standard, whitespace]");
        assertThat(run("replay", "--probes", GOLD, "--control", "topk=2", "--evidence-dir", tmp.toString()))
                .isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(err.toString()).contains("topk: unknown setting; expected one of [analyzer, cachePrefix, chunkWords");
    }
}
