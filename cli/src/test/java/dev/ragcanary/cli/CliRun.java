package dev.ragcanary.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;

/** Runs the CLI in-process from the repository root and captures exit code, stdout and stderr. */
record CliRun(int exitCode, String out, String err) {

    static CliRun of(String... args) {
        return withEnv(System.getenv(), args);
    }

    /** Runs with {@code env} as the environment the commands read their settings from. */
    static CliRun withEnv(java.util.Map<String, String> env, String... args) {
        CommandLine cli = CanaryCli.commandLine(env);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(resolve(args));
        return new CliRun(code, out.toString(), err.toString());
    }

    /** Arguments that name repository files (events/..., schemas/...) are resolved against the repository root. */
    private static String[] resolve(String[] args) {
        String[] resolved = args.clone();
        for (int i = 0; i < resolved.length; i++) {
            if (resolved[i].startsWith("events/") || resolved[i].startsWith("schemas/") || resolved[i].startsWith("functions/")) {
                resolved[i] = repoRoot().resolve(resolved[i]).toString();
            }
        }
        return resolved;
    }

    static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("events"))) {
            dir = dir.getParent();
        }
        return dir;
    }
}
