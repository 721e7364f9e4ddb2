package dev.ragcanary.cli;

import picocli.CommandLine.Command;

/** Groups the benchmarks that print a comparison rather than a timing (timings live in the JMH module). */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Run a seeded benchmark and print its table.",
        subcommands = {BenchDecisionsCommand.class})
final class BenchCommand {
}
