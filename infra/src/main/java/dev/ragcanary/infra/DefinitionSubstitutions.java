package dev.ragcanary.infra;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import software.amazon.awscdk.services.iam.IGrantable;

/**
 * The values this stack can put into a state machine's {@code ${Name}} placeholders, each with the permission a
 * machine needs to use it. A machine gets exactly the substitutions its file uses, and only their permissions.
 */
public final class DefinitionSubstitutions {
    private record Entry(String value, Consumer<IGrantable> grant) {
    }

    private final Map<String, Entry> entries = new TreeMap<>();

    /** Adds a value; {@code grant} gives a machine role what it needs to use it (nothing for plain names). */
    public DefinitionSubstitutions add(String name, String value, Consumer<IGrantable> grant) {
        if (entries.putIfAbsent(name, new Entry(value, grant)) != null) {
            throw new IllegalStateException("substitution " + name + " is defined twice");
        }
        return this;
    }

    /**
     * The substitutions for every placeholder of {@code definition}.
     *
     * @throws InvalidConfigurationException naming every placeholder the stack cannot fill
     */
    public Map<String, String> forDefinition(AslDefinition definition) {
        List<String> unknown = new ArrayList<>();
        Map<String, String> values = new LinkedHashMap<>();
        for (String name : definition.placeholders()) {
            Entry entry = entries.get(name);
            if (entry == null) {
                unknown.add(name);
            } else {
                values.put(name, entry.value());
            }
        }
        if (!unknown.isEmpty()) {
            throw new InvalidConfigurationException(unknown.stream()
                    .map(name -> definition.file() + ": placeholder ${" + name + "} has no substitution; the stack "
                            + "provides " + entries.keySet())
                    .toList());
        }
        return values;
    }

    /** Grants {@code machine} what the placeholders of {@code definition} need. */
    public void grantUsed(AslDefinition definition, IGrantable machine) {
        for (String name : definition.placeholders()) {
            entries.get(name).grant().accept(machine);
        }
    }
}
