package dev.ragcanary.cli.invoke;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.ragcanary.core.json.Json;
import dev.ragcanary.local.LocalContext;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The process {@code ./canary invoke} starts for one invocation (so the handler sees exactly the environment it was
 * given): builds the handler with its no-argument constructor, as Lambda does, feeds it the event from stdin and
 * writes its output to stdout. Anything the handler prints goes to stderr, like a function's logs. A failure is
 * written as Lambda's error document ({@code errorType}, {@code errorMessage}, {@code stackTrace}) with exit code 1.
 */
public final class HandlerMain {
    private HandlerMain() {
    }

    public static void main(String[] args) throws Exception {
        String handlerClass = args[0];
        String functionName = args[1];
        byte[] event = System.in.readAllBytes();
        PrintStream result = System.out;
        System.setOut(System.err);
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try {
            RequestStreamHandler handler = (RequestStreamHandler) Class.forName(handlerClass).getConstructor().newInstance();
            handler.handleRequest(new ByteArrayInputStream(event), output, new LocalContext(functionName, System.err));
        } catch (Throwable failure) {
            Throwable cause = failure instanceof InvocationTargetException ite && ite.getCause() != null ? ite.getCause() : failure;
            Map<String, Object> error = new LinkedHashMap<>();
            error.put("errorType", cause.getClass().getName());
            error.put("errorMessage", String.valueOf(cause.getMessage()));
            error.put("stackTrace", Arrays.stream(cause.getStackTrace()).limit(20).map(String::valueOf).toList());
            result.println(Json.compact(error));
            result.flush();
            System.exit(1);
        }
        result.write(output.toByteArray());
        result.flush();
    }
}
