package dev.ragcanary.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One state machine definition as written in {@code statemachine/*.asl.json}: the single source that CDK deploys
 * and the local runner executes. Its {@code ${Name}} placeholders are filled by CDK definition substitutions.
 */
public record AslDefinition(Path file, String text) {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z0-9_]+)}");

    public static AslDefinition load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new InvalidConfigurationException(List.of("state machine definition " + file
                    + " does not exist (statemachine/*.asl.json at the repository root)"));
        }
        try {
            return new AslDefinition(file, Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Names of every {@code ${Name}} placeholder in the file, sorted. */
    public Set<String> placeholders() {
        Set<String> names = new TreeSet<>();
        Matcher matcher = PLACEHOLDER.matcher(text);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }
}
