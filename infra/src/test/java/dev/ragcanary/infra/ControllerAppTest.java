package dev.ragcanary.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.ZipFile;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.cxapi.CloudAssembly;

/** The app as cdk runs it: module jars and state machines found under the repository root, stacks by context. */
class ControllerAppTest {
    private static final Environment ENV = Environment.builder()
            .account(SynthesizedController.ACCOUNT).region(SynthesizedController.REGION).build();

    @TempDir
    Path root;

    @Test
    void synthesizesTheNamedControllerAndTheExamplePipelineFromTheModuleJars() throws IOException {
        layOutRepository();
        Path out = Files.createDirectory(root.resolve("cdk.out"));
        App app = new App(AppProps.builder().outdir(out.toString()).context(Map.of(
                "demoTarget", "true", "stackName", "RagCanaryStaging", "examplePipeline", "true")).build());

        ControllerApp.addStacks(app, root, ENV);
        CloudAssembly assembly = app.synth();

        assertThat(assembly.getStacks()).extracting(s -> s.getStackName())
                .containsExactlyInAnyOrder("RagCanaryStaging", "RagCanaryPipeline");
        TemplateJson template = new TemplateJson(Template.fromJSON(
                new ObjectMapper().readValue(
                        out.resolve("RagCanaryStaging.template.json").toFile(), Map.class)));
        Map<String, JsonNode> functions = template.ofType("AWS::Lambda::Function");
        assertThat(functions).hasSize(ControllerFunction.values().length);
        for (JsonNode function : functions.values()) {
            ControllerFunction which = Arrays.stream(ControllerFunction.values())
                    .filter(f -> f.handler().equals(function.at("/Properties/Handler").asText()))
                    .findFirst().orElseThrow();
            Path staged = out.resolve("asset." + function.at("/Properties/Code/S3Key").asText());
            assertThat(standInModule(staged)).as(which + " code").isEqualTo(which.module());
        }
    }

    @Test
    void aMissingModuleJarStopsTheSynthWithItsPath() throws IOException {
        layOutRepository();
        Files.delete(root.resolve("functions/gate-evaluation/target/gate-evaluation.jar"));
        App app = new App(AppProps.builder().context(Map.of("demoTarget", "true")).build());
        assertThatThrownBy(() -> ControllerApp.addStacks(app, root, ENV))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("functions/gate-evaluation/target/gate-evaluation.jar does not exist");
    }

    /** Which module's stand-in jar this is (its one entry holds the module name). */
    private static String standInModule(Path jar) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            return new String(zip.getInputStream(zip.getEntry("stand-in.txt")).readAllBytes(),
                    StandardCharsets.UTF_8);
        }
    }

    /** The repository's state machines and a stand-in jar at each module's shade output path. */
    private void layOutRepository() throws IOException {
        Path stateMachines = Files.createDirectories(root.resolve("statemachine"));
        for (String file : new String[] {ControllerStack.ROLLOUT_ASL, ControllerStack.STAGE_ASL}) {
            Files.copy(SynthesizedController.STATE_MACHINES.resolve(file), stateMachines.resolve(file));
        }
        Path jars = SynthesizedController.standInJars();
        for (ControllerFunction function : ControllerFunction.values()) {
            Path target = Files.createDirectories(root.resolve("functions").resolve(function.module()).resolve("target"));
            Files.copy(jars.resolve(function.jar()), target.resolve(function.jar()));
        }
    }
}
