package dev.ragcanary.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DefinitionSubstitutionsTest {
    @TempDir
    Path folder;

    @Test
    void substitutesAndGrantsOnlyWhatTheFileUses() throws IOException {
        List<String> granted = new ArrayList<>();
        DefinitionSubstitutions substitutions = new DefinitionSubstitutions()
                .add("UsedArn", "arn:used", machine -> granted.add("UsedArn"))
                .add("UnusedArn", "arn:unused", machine -> granted.add("UnusedArn"));
        AslDefinition definition = asl("{\"A\": \"${UsedArn}\", \"B\": \"${UsedArn}\", \"C\": \"$.literal\"}");

        assertThat(substitutions.forDefinition(definition)).containsExactly(java.util.Map.entry("UsedArn", "arn:used"));
        substitutions.grantUsed(definition, null);
        assertThat(granted).containsExactly("UsedArn");
    }

    @Test
    void aPlaceholderTheStackCannotFillIsNamedWithWhatTheStackProvides() throws IOException {
        DefinitionSubstitutions substitutions = new DefinitionSubstitutions().add("KnownArn", "arn:k", m -> { });
        AslDefinition definition = asl("{\"A\": \"${KnownArn}\", \"B\": \"${TypoArn}\", \"C\": \"${OtherArn}\"}");
        assertThatThrownBy(() -> substitutions.forDefinition(definition))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("placeholder ${TypoArn} has no substitution; the stack provides [KnownArn]")
                .hasMessageContaining("placeholder ${OtherArn} has no substitution");
    }

    @Test
    void placeholdersAreFoundOnceEachAndSorted() throws IOException {
        assertThat(asl("${B} ${A} ${B} $.notAPlaceholder {A}").placeholders()).containsExactly("A", "B");
    }

    @Test
    void aMissingDefinitionFileIsNamed() {
        assertThatThrownBy(() -> AslDefinition.load(folder.resolve("nope.asl.json")))
                .hasMessageContaining("nope.asl.json does not exist");
    }

    private AslDefinition asl(String text) throws IOException {
        Path file = folder.resolve("machine.asl.json");
        Files.writeString(file, text);
        return AslDefinition.load(file);
    }
}
