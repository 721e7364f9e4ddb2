package dev.ragcanary.infra;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FunctionCodeTest {
    @TempDir
    Path root;

    @Test
    void aMissingModuleJarNamesItsPathAndTheBuildCommand() {
        assertThatThrownBy(() -> FunctionCode.moduleJars(root).codeFor(ControllerFunction.WEIGHT_SHIFTER))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining(root.resolve("functions/weight-shifter/target/weight-shifter.jar").toString())
                .hasMessageContaining("mvn -DskipTests package");
    }

    @Test
    void aMissingJarInAFolderIsNamed() {
        assertThatThrownBy(() -> FunctionCode.folder(root).codeFor(ControllerFunction.TRAFFIC_ROUTER))
                .hasMessageContaining("put traffic-router.jar in " + root);
    }
}
