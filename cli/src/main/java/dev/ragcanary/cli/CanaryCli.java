package dev.ragcanary.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code ./canary}. Exit codes: 0 ok/promote, 2 bad input, 3 rollback, 4 extend or hold. */
@Command(name = "canary", mixinStandardHelpOptions = true, version = "rag-canary 0.1.0",
        description = "Canary releases for RAG services on AWS Lambda.",
        subcommands = {JudgeCommand.class, ValidateCommand.class, BucketCommand.class, ProbesCommand.class, ReplayCommand.class,
                BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class CanaryCli {
    public static final int EXIT_OK = 0;
    public static final int EXIT_BAD_INPUT = 2;
    public static final int EXIT_ROLLBACK = 3;
    public static final int EXIT_EXTEND_OR_HOLD = 4;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests call {@code execute} on it and read its exit code. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new CanaryCli());
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof dev.ragcanary.core.json.InvalidInputException || ex instanceof java.nio.file.NoSuchFileException) {
                cmd.getErr().println(ex instanceof java.nio.file.NoSuchFileException ? "no such file: " + ex.getMessage() : ex.getMessage());
                return EXIT_BAD_INPUT;
            }
            throw ex;
        });
        return cli;
    }
}
