package dev.ragcanary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ragcanary.cli.outcome.ExitCodes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code canary bucket} in-process; what the JVM does to argv under another locale is in {@link BucketUnderCLocaleTest}. */
class BucketCommandTest {

    static Stream<BucketVector> keyedVectors() {
        return BucketVector.all().stream().filter(v -> !v.key().isEmpty());
    }

    /** Non-ASCII keys go through --key-file here, so the check does not depend on the locale the tests run in. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("keyedVectors")
    void printsEveryPublishedVectorsBucketAndVariants(BucketVector vector, @TempDir Path dir) throws Exception {
        CliRun run = vector.asciiKey()
                ? CliRun.of("bucket", vector.key(), "--salt", vector.salt())
                : CliRun.of("bucket", "--key-file", Files.write(dir.resolve("key"), vector.key().getBytes(StandardCharsets.UTF_8)).toString(),
                        "--salt", vector.salt());

        assertThat(run.exitCode()).as(run.err()).isZero();
        vector.assertPrintedBy(run.out());
    }

    @ParameterizedTest(name = "[{0}] [{1}] -> {2}")
    @CsvSource({
            "'', rag-answer-live-v42, KEY is empty",
            "'  ', rag-answer-live-v42, KEY is blank",
            "tenant-acme, '', --salt is empty",
            "tenant-acme, ' \t', --salt is blank"})
    void refusesAnEmptyOrBlankKeyOrSalt(String key, String salt, String problem) {
        CliRun run = CliRun.of("bucket", key, "--salt", salt);

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err()).startsWith(problem);
        assertThat(run.out()).isEmpty();
    }

    @Test
    void refusesAKeyThatReachedJavaAsReplacementCharacters() {
        CliRun run = CliRun.of("bucket", "\uFFFD\uFFFD-7", "--salt", "rag-answer-live-v42");

        assertThat(run.exitCode()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err()).contains("KEY arrived damaged").contains("--key-file FILE");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void keyFileDropsOneFinalNewlineAndALeadingByteOrderMark(@TempDir Path dir) throws Exception {
        BucketVector vector = BucketVector.all().stream().filter(v -> v.key().equals("租户-7")).findFirst().orElseThrow();
        Path file = Files.write(dir.resolve("key"), ("\uFEFF" + vector.key() + "\r\n").getBytes(StandardCharsets.UTF_8));

        CliRun run = CliRun.of("bucket", "--key-file", file.toString(), "--salt", vector.salt());

        assertThat(run.exitCode()).as(run.err()).isZero();
        vector.assertPrintedBy(run.out());
    }

    @Test
    void refusesAKeyFileThatIsNotOneUtf8KeyAndAKeyGivenTwiceOrNotAtAll(@TempDir Path dir) throws Exception {
        Path latin1 = Files.write(dir.resolve("latin1"), "ünïcödé-tenant".getBytes(StandardCharsets.ISO_8859_1));
        Path twoKeys = Files.writeString(dir.resolve("two"), "tenant-acme\ntenant-globex\n");
        Path blank = Files.writeString(dir.resolve("blank"), " \n");
        Path huge = Files.writeString(dir.resolve("huge"), "é".repeat(100_000));

        assertRefused("--key-file " + latin1 + " is not UTF-8 text", "--key-file", latin1.toString());
        assertRefused("--key-file " + twoKeys + " holds more than one line", "--key-file", twoKeys.toString());
        assertRefused("the key in --key-file " + blank + " is blank", "--key-file", blank.toString());
        assertRefused("the key in --key-file " + huge + " is longer than 1024 bytes", "--key-file", huge.toString());
        assertRefused("KEY is longer than 1024 bytes", "é".repeat(513));
        assertRefused("cannot read --key-file " + dir.resolve("missing") + ": no such file", "--key-file", dir.resolve("missing").toString());
        assertRefused("give the key either as KEY or with --key-file", "tenant-acme", "--key-file", twoKeys.toString());
        assertRefused("missing the key");
    }

    private static void assertRefused(String problem, String... keyArgs) {
        String[] args = Stream.concat(Stream.of("bucket", "--salt", "rag-answer-live-v42"), Stream.of(keyArgs)).toArray(String[]::new);
        CliRun run = CliRun.of(args);
        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(run.err()).startsWith(problem);
        assertThat(run.out()).isEmpty();
    }
}
