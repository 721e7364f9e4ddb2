package dev.ragcanary.cli;

import dev.ragcanary.cli.outcome.ExitCodes;
import dev.ragcanary.cli.outcome.UsageProblem;
import dev.ragcanary.core.bucket.StickyBucket;
import dev.ragcanary.core.rollout.Stage;
import dev.ragcanary.core.rollout.StageLadder;
import dev.ragcanary.core.traffic.RouteRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "bucket", mixinStandardHelpOptions = true,
        description = "Print a sticky key's bucket and its variant at every stage of the default ladder.")
final class BucketCommand implements Callable<Integer> {
    /** The longest key the router buckets with a byte order mark and a CRLF around it; no need to read further. */
    private static final int KEY_FILE_MAX_BYTES = RouteRequest.MAX_STICKY_KEY_BYTES + "\uFEFF\r\n".getBytes(StandardCharsets.UTF_8).length;
    private static final String STDIN = "-";

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "KEY", arity = "0..1", description = "sticky key (tenant or user id)")
    String key;

    @Option(names = "--key-file", paramLabel = "FILE",
            description = "read the key from FILE as UTF-8 instead of KEY ('-': standard input); one key, a final newline is dropped")
    String keyFile;

    @Option(names = "--salt", required = true, paramLabel = "SALT", description = "rollout salt (the rollout id)")
    String salt;

    @Override
    public Integer call() {
        String stickyKey = stickyKey();
        requireNotBlank("--salt", ArgvText.requireIntact("--salt", salt, "run Java in a UTF-8 locale (e.g. LC_ALL=C.UTF-8) as ./canary does"),
                "give the rollout id");
        int bucket = StickyBucket.bucket(salt, stickyKey);
        PrintWriter out = spec.commandLine().getOut();
        out.printf("key %s, salt %s: bucket %d of %d%n", stickyKey, salt, bucket, StageLadder.BUCKETS);
        for (Stage stage : StageLadder.DEFAULT) {
            out.printf("  %-10s weight %6.2f%%  threshold %5d  -> %s%n", stage.name(), stage.weight() * 100,
                    stage.bucketThreshold(), StickyBucket.isCanary(bucket, stage.weight()) ? "canary" : "control");
        }
        return ExitCodes.OK;
    }

    private String stickyKey() {
        if (key != null && keyFile != null) {
            throw new UsageProblem("give the key either as KEY or with --key-file, not both");
        }
        if (key == null && keyFile == null) {
            throw new UsageProblem("missing the key: give KEY, or --key-file FILE ('-' reads standard input)");
        }
        if (keyFile != null) {
            return requireBucketable("the key in --key-file " + keyFile, keyFromFile());
        }
        return requireBucketable("KEY", ArgvText.requireIntact("KEY", key, "pass the key as UTF-8 with --key-file FILE"
                + " ('-' reads standard input), or run ./canary, which runs Java in a UTF-8 locale"));
    }

    /** A key the router could be given: it never buckets a blank key (no identity) or one over its length limit. */
    private static String requireBucketable(String name, String stickyKey) {
        requireNotBlank(name, stickyKey, "give a tenant or user id");
        if (stickyKey.getBytes(StandardCharsets.UTF_8).length > RouteRequest.MAX_STICKY_KEY_BYTES) {
            throw tooLong(name);
        }
        return stickyKey;
    }

    private static UsageProblem tooLong(String name) {
        return new UsageProblem(name + " is longer than " + RouteRequest.MAX_STICKY_KEY_BYTES
                + " bytes (UTF-8), the longest sticky key the router buckets");
    }

    private String keyFromFile() {
        byte[] bytes;
        try {
            bytes = readAtMost(KEY_FILE_MAX_BYTES + 1);
        } catch (IOException e) {
            String why = e instanceof NoSuchFileException ? "no such file"
                    : e instanceof AccessDeniedException ? "permission denied" : e.getMessage();
            throw new UsageProblem("cannot read --key-file " + keyFile + ": " + why);
        }
        if (bytes.length > KEY_FILE_MAX_BYTES) {
            throw tooLong("the key in --key-file " + keyFile);
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new UsageProblem("--key-file " + keyFile + " is not UTF-8 text");
        }
        // editors may start a UTF-8 file with a byte order mark and end it with a newline; neither is part of the key
        String oneKey = text.replaceFirst("^\uFEFF", "").replaceFirst("\r?\n$", "");
        if (oneKey.indexOf('\n') >= 0 || oneKey.indexOf('\r') >= 0) {
            throw new UsageProblem("--key-file " + keyFile + " holds more than one line; it must hold one key");
        }
        return oneKey;
    }

    private byte[] readAtMost(int limit) throws IOException {
        if (STDIN.equals(keyFile)) {
            return System.in.readNBytes(limit);
        }
        try (InputStream in = Files.newInputStream(Path.of(keyFile))) {
            return in.readNBytes(limit);
        }
    }

    private static String requireNotBlank(String name, String value, String hint) {
        if (value.isBlank()) {
            throw new UsageProblem(name + " is " + (value.isEmpty() ? "empty" : "blank") + ": " + hint);
        }
        return value;
    }
}
