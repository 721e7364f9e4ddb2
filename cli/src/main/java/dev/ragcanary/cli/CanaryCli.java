package dev.ragcanary.cli;

import dev.ragcanary.cli.invoke.InvokeCommand;
import dev.ragcanary.cli.ops.AbortCommand;
import dev.ragcanary.cli.ops.ApproveCommand;
import dev.ragcanary.cli.ops.HistoryCommand;
import dev.ragcanary.cli.ops.ReleaseCommand;
import dev.ragcanary.cli.ops.RevertCommand;
import dev.ragcanary.cli.ops.StartCommand;
import dev.ragcanary.cli.ops.StatusCommand;
import dev.ragcanary.cli.outcome.ExitCodes;
import dev.ragcanary.cli.outcome.UsageProblem;
import dev.ragcanary.cli.rehearse.RehearseCommand;
import dev.ragcanary.core.ports.RolloutExecutions;
import dev.ragcanary.core.ports.TransientFailureException;
import java.lang.reflect.Constructor;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine;
import software.amazon.awssdk.core.exception.SdkException;

/** Entry point of {@code ./canary}. Exit codes: {@link dev.ragcanary.cli.outcome.ExitCodes}. */
@Command(name = "canary", mixinStandardHelpOptions = true, version = "rag-canary 0.1.0",
        description = "Canary releases for RAG services on AWS Lambda.",
        subcommands = {JudgeCommand.class, ValidateCommand.class, BucketCommand.class, ProbesCommand.class, ReplayCommand.class, CalibrateCommand.class,
                BenchCommand.class, StartCommand.class, StatusCommand.class, ApproveCommand.class, AbortCommand.class,
                ReleaseCommand.class, RevertCommand.class, HistoryCommand.class, InvokeCommand.class, RehearseCommand.class,
                FaultsCommand.class, CommandLine.HelpCommand.class})
public final class CanaryCli {
    public static void main(String[] args) {
        ChildProcesses.stopOnExit();
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests call {@code execute} on it and read its exit code. */
    public static CommandLine commandLine() {
        return commandLine(System.getenv());
    }

    /**
     * The command line reading settings (AWS region, endpoints, table and state machine defaults) from {@code env}
     * instead of the process environment; commands that need it take the map in their constructor.
     */
    public static CommandLine commandLine(Map<String, String> env) {
        CommandLine cli = new CommandLine(new CanaryCli(), new EnvironmentFactory(env));
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof dev.ragcanary.core.json.InvalidInputException || ex instanceof java.nio.file.NoSuchFileException) {
                cmd.getErr().println(ex instanceof java.nio.file.NoSuchFileException ? "no such file: " + ex.getMessage() : ex.getMessage());
                return ExitCodes.BAD_INPUT;
            }
            if (ex instanceof UsageProblem) {
                cmd.getErr().println(ex.getMessage());
                return ExitCodes.BAD_INPUT;
            }
            if (ex instanceof RolloutExecutions.OperatorException) {
                cmd.getErr().println(ex.getMessage());
                return ExitCodes.FAILED;
            }
            if (ex instanceof SdkException || ex instanceof TransientFailureException) {
                cmd.getErr().println("an AWS call failed: " + ex.getMessage());
                return ExitCodes.FAILED;
            }
            throw ex;
        });
        return cli;
    }

    private record EnvironmentFactory(Map<String, String> env) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> cls) throws Exception {
            try {
                Constructor<K> withEnv = cls.getDeclaredConstructor(Map.class);
                withEnv.setAccessible(true);
                return withEnv.newInstance(env);
            } catch (NoSuchMethodException noEnvNeeded) {
                return CommandLine.defaultFactory().create(cls);
            }
        }
    }
}
