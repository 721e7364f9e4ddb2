package dev.ragcanary.infra;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import software.amazon.awscdk.services.lambda.Code;

/**
 * Where a function's deployment package comes from. The app reads the shaded jars that {@code mvn package}
 * builds ({@link #moduleJars}); tests point at a folder of stand-in jars ({@link #folder}).
 */
@FunctionalInterface
public interface FunctionCode {

    Code codeFor(ControllerFunction function);

    /**
     * The jars in {@code functions/<module>/target/<jar>} under the repository root. A missing jar fails the synth
     * with its path and the build command to run.
     */
    static FunctionCode moduleJars(Path repositoryRoot) {
        return function -> {
            Path jar = repositoryRoot.resolve("functions").resolve(function.module()).resolve("target")
                    .resolve(function.jar());
            requireFile(jar, "build the function jars first: mvn -DskipTests package (from the repository root)");
            return Code.fromAsset(jar.toString());
        };
    }

    /** Every jar by its file name in one folder (tests use a temporary folder). */
    static FunctionCode folder(Path folder) {
        return function -> {
            Path jar = folder.resolve(function.jar());
            requireFile(jar, "put " + function.jar() + " in " + folder);
            return Code.fromAsset(jar.toString());
        };
    }

    private static void requireFile(Path jar, String remedy) {
        if (!Files.isRegularFile(jar)) {
            throw new InvalidConfigurationException(List.of("function code: " + jar + " does not exist; " + remedy));
        }
    }
}
