package dev.ragcanary.cli;

import dev.ragcanary.cli.outcome.UsageProblem;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Whether a command-line argument reached Java as the text that was typed. The JVM decodes argv with the charset of
 * the process locale ({@code sun.jnu.encoding}): under {@code LC_ALL=C} that is ASCII, and every byte of a UTF-8
 * character becomes U+FFFD; under another 8-bit locale the bytes become other characters without any sign. An
 * argument whose exact characters matter (a key that is hashed) must not be used then.
 */
final class ArgvText {
    private static final char REPLACEMENT = '\uFFFD';

    private ArgvText() {
    }

    /** {@code value} as given, or a {@link UsageProblem} naming {@code name} when it arrived damaged. */
    static String requireIntact(String name, String value, String safeWay) {
        Optional<String> problem = problem(name, value, argvCharset());
        if (problem.isPresent()) {
            throw new UsageProblem(problem.get() + "; " + safeWay);
        }
        return value;
    }

    /** What is wrong with {@code value} if it was decoded from argv with {@code argvCharset}. */
    static Optional<String> problem(String name, String value, Charset argvCharset) {
        if (value.indexOf(REPLACEMENT) >= 0) {
            return Optional.of(name + " arrived damaged: it holds U+FFFD, which Java puts in place of bytes it could not"
                    + " decode as " + argvCharset.name());
        }
        if (!argvCharset.equals(StandardCharsets.UTF_8) && !value.chars().allMatch(c -> c < 0x80)) {
            return Optional.of(name + " holds non-ASCII characters but Java decoded the command line as "
                    + argvCharset.name() + ", not UTF-8, so they may not be the ones typed");
        }
        return Optional.empty();
    }

    /** The charset the JVM decoded argv with; one it does not name or know counts as not UTF-8. */
    private static Charset argvCharset() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding", "US-ASCII"));
        } catch (IllegalArgumentException unknown) {
            return StandardCharsets.US_ASCII;
        }
    }
}
