package dev.ragcanary.infra;

import java.util.List;
import java.util.stream.Collectors;

/** The stack's context/props are wrong; lists every problem, each naming its context key. */
public class InvalidConfigurationException extends IllegalArgumentException {
    private final List<String> problems;

    public InvalidConfigurationException(List<String> problems) {
        super("rag-canary stack configuration is invalid (" + problems.size() + " problem"
                + (problems.size() == 1 ? "" : "s") + "):\n"
                + problems.stream().map(p -> "  - " + p).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
