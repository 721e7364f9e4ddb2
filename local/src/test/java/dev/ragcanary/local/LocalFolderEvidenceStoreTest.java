package dev.ragcanary.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalFolderEvidenceStoreTest {
    @TempDir
    Path root;

    @Test
    void storesUnderTheKeyAndReadsBack() throws Exception {
        LocalFolderEvidenceStore store = new LocalFolderEvidenceStore(root);

        String location = store.put("rollouts/r1/probes/five.json", "{\"a\":1}");

        assertThat(Path.of(location)).isEqualTo(root.resolve("rollouts/r1/probes/five.json").toAbsolutePath());
        assertThat(Files.readString(Path.of(location))).isEqualTo("{\"a\":1}");
        assertThat(store.get("rollouts/r1/probes/five.json")).contains("{\"a\":1}");
        store.put("rollouts/r1/probes/five.json", "{\"a\":2}");
        assertThat(store.get("rollouts/r1/probes/five.json")).contains("{\"a\":2}");
    }

    @Test
    void aMissingKeyIsEmpty() {
        assertThat(new LocalFolderEvidenceStore(root).get("nope.json")).isEmpty();
    }

    @Test
    void keysCannotLeaveTheFolder() {
        LocalFolderEvidenceStore store = new LocalFolderEvidenceStore(root);
        assertThatThrownBy(() -> store.put("../escape.json", "{}")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.put("/etc/x.json", "{}")).isInstanceOf(IllegalArgumentException.class);
    }
}
