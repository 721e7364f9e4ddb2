package dev.ragcanary.cli.invoke;

import dev.ragcanary.cli.outcome.ExitCodes;
import dev.ragcanary.cli.outcome.UsageProblem;
import dev.ragcanary.core.json.Json;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "invoke", mixinStandardHelpOptions = true, description = {
        "Run one function's handler locally on an event file and print its output, like `sam local invoke`.",
        "The handler is built with its no-argument constructor in a fresh JVM that sees this environment plus --env;",
        "point its AWS clients at local servers with RAG_CANARY_ENDPOINT_<SERVICE>=http://127.0.0.1:PORT.",
        "Exit 0 the handler returned, 1 it failed (Lambda's error document is printed), 2 bad input."})
public final class InvokeCommand implements Callable<Integer> {
    private final Map<String, String> env;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FUNCTION",
            description = "weight-shifter, probe-replay, gate-evaluation, traffic-router or sample-rag-target")
    String function;

    @Option(names = {"-e", "--event"}, required = true, paramLabel = "EVENT.json", description = "the event, e.g. events/weight-shifter/validate.json")
    Path eventFile;

    @Option(names = "--env", paramLabel = "KEY=VALUE", description = "an environment variable for the function (repeatable)")
    Map<String, String> extraEnv = new LinkedHashMap<>();

    InvokeCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() throws Exception {
        Functions target = Functions.named(function).orElseThrow(() -> new UsageProblem(
                "unknown function \"" + function + "\"; functions are " + Functions.names()));
        try {
            Class.forName(target.handlerClass, false, getClass().getClassLoader());
        } catch (ClassNotFoundException notBuilt) {
            throw new UsageProblem("function " + function + " (" + target.handlerClass + ") is not part of this build of the CLI");
        }
        String event = Files.readString(eventFile);
        Json.parse(eventFile.toString(), event);

        List<String> command = new ArrayList<>(List.of(javaExecutable(), "-cp", System.getProperty("java.class.path"),
                HandlerMain.class.getName(), target.handlerClass, function));
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().clear();
        builder.environment().putAll(env);
        builder.environment().putAll(extraEnv);
        Process process = builder.start();
        try (var stdin = process.getOutputStream()) {
            stdin.write(event.getBytes(StandardCharsets.UTF_8));
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = process.waitFor();
        PrintWriter out = spec.commandLine().getOut();
        out.println(prettyIfJson(output));
        return exit == 0 ? ExitCodes.OK : ExitCodes.FAILED;
    }

    private static String prettyIfJson(String output) {
        try {
            return Json.pretty(Json.MAPPER.readTree(output));
        } catch (IOException | RuntimeException notJson) {
            return output;
        }
    }

    private static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java" + (File.separatorChar == '\\' ? ".exe" : "")).toString();
    }
}
