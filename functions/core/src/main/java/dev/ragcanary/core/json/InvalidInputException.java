package dev.ragcanary.core.json;

import java.util.List;
import java.util.stream.Collectors;

/** Thrown when an input document has problems; carries every problem found, not only the first. */
public class InvalidInputException extends RuntimeException {
    private final List<Problem> problems;

    public InvalidInputException(String what, List<Problem> problems) {
        this(problems, what + " is invalid");
    }

    /** @param headline what was refused, followed in the message by the number of problems and each problem */
    protected InvalidInputException(List<Problem> problems, String headline) {
        super(headline + " (" + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + "):\n"
                + problems.stream().map(p -> "  - " + p).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
        return problems;
    }
}
