package dev.ragcanary.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ArgvTextTest {

    @Test
    void nonAsciiTextDecodedWithAnotherCharsetThanUtf8CannotBeTrusted() {
        // what a Latin-1 JVM makes of the UTF-8 bytes of "ü": two characters and no U+FFFD to give it away
        String decodedAsLatin1 = new String("ü".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);

        assertThat(ArgvText.problem("KEY", decodedAsLatin1, StandardCharsets.ISO_8859_1))
                .hasValue("KEY holds non-ASCII characters but Java decoded the command line as ISO-8859-1, not UTF-8,"
                        + " so they may not be the ones typed");
        assertThat(ArgvText.problem("KEY", "tenant-acme", StandardCharsets.ISO_8859_1)).isEmpty();
    }

    @Test
    void utf8TextIsTrustedUnlessJavaCouldNotDecodeIt() {
        assertThat(ArgvText.problem("KEY", "租户-7", StandardCharsets.UTF_8)).isEmpty();
        assertThat(ArgvText.problem("--salt", "v\uFFFD", StandardCharsets.UTF_8)).get().asString()
                .startsWith("--salt arrived damaged: it holds U+FFFD");
        assertThat(ArgvText.problem("KEY", "\uFFFD\uFFFD", StandardCharsets.US_ASCII)).get().asString()
                .contains("could not decode as US-ASCII");
    }
}
