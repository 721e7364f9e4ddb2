package dev.ragcanary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ragcanary.cli.outcome.ExitCodes;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code canary bucket} in its own JVM under {@code LC_ALL=C}, where Java decodes argv as ASCII. Each case starts a JVM
 * (a few tenths of a second), so only the non-ASCII vectors and one case per way of passing a key run here.
 */
class BucketUnderCLocaleTest {
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    @TempDir
    static Path work;

    /**
     * A copy of the real {@code ./canary} launcher in a root of its own whose {@code cli/target/canary-cli.jar} runs
     * this build's classes (a jar that only names the test classpath), newer than every source it checks, so the
     * launcher runs it as it is instead of building.
     */
    private static Path launcher;

    @BeforeAll
    static void launcherWithThisBuild() throws IOException {
        Path root = Files.createDirectories(work.resolve("root"));
        for (String dir : List.of("functions", "cli/target", "local", "schemas", "events/probes")) {
            Files.createDirectories(root.resolve(dir));
        }
        Files.setLastModifiedTime(Files.writeString(root.resolve("pom.xml"), ""), FileTime.fromMillis(0));
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, CanaryCli.class.getName());
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, Arrays.stream(testClassPath())
                .map(entry -> Path.of(entry).toUri().toString()).collect(Collectors.joining(" ")));
        try (OutputStream jar = new JarOutputStream(Files.newOutputStream(root.resolve("cli/target/canary-cli.jar")), manifest)) {
            jar.flush();
        }
        launcher = Files.copy(CliRun.repoRoot().resolve("canary"), root.resolve("canary"));
    }

    @Test
    void theLauncherGivesEveryNonAsciiVectorItsBucket() throws Exception {
        List<BucketVector> nonAscii = BucketVector.all().stream().filter(v -> !v.asciiKey()).toList();
        assertThat(nonAscii).hasSizeGreaterThanOrEqualTo(6);

        for (BucketVector vector : nonAscii) {
            Result run = run(List.of("bash", launcher.toString(), "bucket", vector.key(), "--salt", vector.salt()), null);

            assertThat(run.exitCode()).as("%s: %s", vector, run.err()).isZero();
            vector.assertPrintedBy(run.out());
        }
    }

    @Test
    void aBareJvmRefusesANonAsciiArgumentAndSaysHowToPassIt() throws Exception {
        Result run = run(bareJvm("bucket", "租户-7", "--salt", "rag-answer-live-v42"), null);

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err()).startsWith("KEY arrived damaged").contains("--key-file FILE").contains("./canary");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void aBareJvmReadsAKeyFileOrStandardInputAsUtf8() throws Exception {
        BucketVector fromFile = vector("ünïcödé-tenant", "rag-answer-live-v42");
        BucketVector fromStdin = vector("emoji-🚀", "rollout-2025-08-27");
        Path keyFile = Files.write(work.resolve("key"), (fromFile.key() + "\n").getBytes(StandardCharsets.UTF_8));

        Result file = run(bareJvm("bucket", "--key-file", keyFile.toString(), "--salt", fromFile.salt()), null);
        Result stdin = run(bareJvm("bucket", "--key-file", "-", "--salt", fromStdin.salt()), fromStdin.key().getBytes(StandardCharsets.UTF_8));

        assertThat(file.exitCode()).as(file.err()).isZero();
        fromFile.assertPrintedBy(file.out());
        assertThat(stdin.exitCode()).as(stdin.err()).isZero();
        fromStdin.assertPrintedBy(stdin.out());
    }

    private static BucketVector vector(String key, String salt) {
        return BucketVector.all().stream().filter(v -> v.key().equals(key) && v.salt().equals(salt)).findFirst().orElseThrow();
    }

    private static String[] testClassPath() {
        return System.getProperty("java.class.path").split(File.pathSeparator);
    }

    private static List<String> bareJvm(String... args) {
        List<String> command = new ArrayList<>(List.of(JAVA, "-Xshare:auto", "-XX:TieredStopAtLevel=1",
                "-cp", String.join(File.pathSeparator, testClassPath()), CanaryCli.class.getName()));
        command.addAll(List.of(args));
        return command;
    }

    /** Runs {@code command} with {@code LC_ALL=C} and this JVM's java first on the PATH, feeding it {@code stdin}. */
    private static Result run(List<String> command, byte[] stdin) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("LC_ALL", "C");
        builder.environment().put("PATH", Path.of(JAVA).getParent() + File.pathSeparator + System.getenv("PATH"));
        Path out = Files.createTempFile(work, "out", ".txt");
        Path err = Files.createTempFile(work, "err", ".txt");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process process = builder.start();
        try (OutputStream in = process.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin);
            }
        }
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("%s finished", command).isTrue();
        // the CLI prints with the locale's charset, ASCII here; only the bucket and the variants are compared
        return new Result(process.exitValue(), Files.readString(out, StandardCharsets.ISO_8859_1),
                Files.readString(err, StandardCharsets.ISO_8859_1));
    }

    private record Result(int exitCode, String out, String err) {
    }
}
