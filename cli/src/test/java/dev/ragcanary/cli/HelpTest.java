package dev.ragcanary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** {@code --help} on every command, nested ones included, prints its usage and exits 0, whatever it requires. */
class HelpTest {

    @ParameterizedTest(name = "canary {0} --help")
    @MethodSource("everyCommand")
    void helpPrintsUsageOnStdoutAndExitsZero(String command) {
        List<String> args = new ArrayList<>(List.of(command.split(" ")));
        args.add("--help");

        CliRun run = CliRun.of(args.toArray(String[]::new));

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("Usage: canary " + command + " ");
        assertThat(run.err()).isEmpty();
    }

    static Stream<String> everyCommand() {
        List<String> commands = new ArrayList<>();
        collect(CanaryCli.commandLine(), "", commands);
        return commands.stream();
    }

    private static void collect(CommandLine parent, String prefix, List<String> into) {
        parent.getSubcommands().forEach((name, sub) -> {
            if (!name.equals(sub.getCommandName())) {
                return; // an alias of a command already listed
            }
            String path = prefix + name;
            into.add(path);
            collect(sub, path + " ", into);
        });
    }
}
