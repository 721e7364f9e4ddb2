package dev.ragcanary.cli;

import dev.ragcanary.cli.outcome.ExitCodes;
import dev.ragcanary.core.probe.Probe;
import dev.ragcanary.core.probe.ProbeSet;
import dev.ragcanary.core.probe.ProbeSetParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "probes", mixinStandardHelpOptions = true, description = "Work with gold probe sets (schemas/probe-set.schema.json).",
        subcommands = ProbesCommand.Validate.class)
final class ProbesCommand {

    @Command(name = "validate", mixinStandardHelpOptions = true, description = {
            "Check a probe set: 50 to 200 questions, unique ids, a topic, exactly three paraphrases and a target each.",
            "Prints every problem with its JSON path. Exit 0 valid, 2 invalid."})
    static final class Validate implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "PROBES.json", description = "probe set, e.g. events/probes/gold.json")
        Path file;

        @Override
        public Integer call() throws Exception {
            ProbeSet set = ProbeSetParser.parse(Files.readString(file));
            Map<String, Long> topics = new TreeMap<>(set.probes().stream()
                    .collect(Collectors.groupingBy(Probe::topic, Collectors.counting())));
            spec.commandLine().getOut().printf("%s: valid probe set \"%s\", %d questions, %d topics %s%n",
                    file, set.name(), set.probes().size(), topics.size(), topics);
            return ExitCodes.OK;
        }
    }
}
