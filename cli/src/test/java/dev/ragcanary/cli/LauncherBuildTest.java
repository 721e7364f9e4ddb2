package dev.ragcanary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code ./canary} launcher in a root of its own, with stand-ins for {@code mvn} (printing what Maven 3.8
 * prints, ANSI codes included, in batch mode) and {@code java} (printing its arguments) first on the PATH.
 */
class LauncherBuildTest {
    private static final String MAVEN_OUTPUT = """
            printf '\\033[1m[INFO] Scanning for projects...\\033[m\\n'
            printf '[INFO] Building rag-canary core (domain and ports, no AWS) 0.1.0-SNAPSHOT [1/2]\\n'
            printf '[INFO] Building rag-canary command line (./canary) 0.1.0-SNAPSHOT       [2/2]\\n'
            """;

    @TempDir
    Path root;

    @Test
    void aBuildShowsOneLinePerModuleWithoutAnsiCodesAndHowLongItTook() throws Exception {
        Path bin = standIns(MAVEN_OUTPUT + "mkdir -p cli/target && touch cli/target/canary-cli.jar\nprintf '\\033[0m\\033[0m'\n");

        Run run = launch(bin, "rehearse");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).doesNotContain("\u001b")
                .contains("canary:   [1/2] rag-canary core (domain and ports, no AWS)\n"
                        + "canary:   [2/2] rag-canary command line (./canary)\n")
                .containsPattern("canary: built in \\d+ s\n");
        assertThat(Files.readString(root.resolve("mvn-args"))).contains("-Dlambda.jars.skip=true", "-Dstyle.color=never",
                "-pl cli -am package");
        assertThat(Files.readString(root.resolve(".canary/build.log"))).doesNotContain("\u001b")
                .contains("[INFO] Scanning for projects...");
        assertThat(run.out()).isEqualTo("java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar " + root.resolve("cli/target/canary-cli.jar")
                + " rehearse\n");
    }

    @Test
    void aFailedBuildShowsTheEndOfMavensOutputAndExitsOne() throws Exception {
        Path bin = standIns(MAVEN_OUTPUT + "echo '[ERROR] COMPILATION ERROR : cannot find symbol'\nexit 1\n");

        Run run = launch(bin, "rehearse");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("canary: the build failed; the end of " + root.resolve(".canary/build.log"))
                .contains("[ERROR] COMPILATION ERROR : cannot find symbol").doesNotContain("built in");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void theFaultMatrixKeepsTheJvmDefaults() throws Exception {
        Path bin = standIns(MAVEN_OUTPUT + "mkdir -p cli/target && touch cli/target/canary-cli.jar\n");

        Run run = launch(bin, "faults", "--lanes", "2");

        assertThat(run.out()).endsWith("java -jar " + root.resolve("cli/target/canary-cli.jar") + " faults --lanes 2\n");
    }

    /** A bin folder with {@code mvn} running {@code mavenScript} in the root and {@code java} echoing its arguments. */
    private Path standIns(String mavenScript) throws IOException {
        Path bin = Files.createDirectories(root.resolve("bin"));
        executable(bin.resolve("mvn"), "#!/usr/bin/env bash\nprintf '%s\\n' \"$*\" > mvn-args\n" + mavenScript);
        executable(bin.resolve("java"), "#!/usr/bin/env bash\necho \"java $*\"\n");
        Files.writeString(root.resolve("pom.xml"), "");
        Files.copy(CliRun.repoRoot().resolve("canary"), root.resolve("canary"));
        executable(root.resolve("canary"), Files.readString(root.resolve("canary")));
        return bin;
    }

    private static void executable(Path file, String text) throws IOException {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private Run launch(Path bin, String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(root.resolve("canary").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile());
        builder.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        Process process = builder.start();
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(process.waitFor(), out, err);
    }

    private record Run(int exitCode, String out, String err) {
    }
}
