package dev.ragcanary.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ragcanary.core.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LocalLambdaEndpointTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private LocalLambdaEndpoint endpoint;

    @BeforeEach
    void start() {
        endpoint = LocalLambdaEndpoint.start()
                .register("echo", (in, out, context) -> {
                    JsonNode request = Json.MAPPER.readTree(in);
                    out.write(("{\"got\":" + request + ",\"function\":\"" + context.getFunctionName() + "\"}")
                            .getBytes(StandardCharsets.UTF_8));
                })
                .register("broken", (in, out, context) -> {
                    throw new IllegalStateException("rollout r1 does not hold f:live");
                });
    }

    @AfterEach
    void stop() {
        endpoint.close();
    }

    @Test
    void invokesTheRegisteredHandlerWithThePayload() throws Exception {
        HttpResponse<String> response = invoke("echo", "{\"action\":\"shift\"}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Amz-Function-Error")).isEmpty();
        assertThat(Json.MAPPER.readTree(response.body()))
                .isEqualTo(Json.MAPPER.readTree("{\"got\":{\"action\":\"shift\"},\"function\":\"echo\"}"));
    }

    @Test
    void acceptsAFunctionArnWithAQualifierAsLambdaDoes() throws Exception {
        HttpResponse<String> response = invoke("arn:aws:lambda:us-east-1:000000000000:function:echo:live", "{}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(response.body()).path("function").asText()).isEqualTo("echo");
    }

    @Test
    void reportsAHandlerExceptionAsALambdaFunctionErrorNamedByItsClass() throws Exception {
        HttpResponse<String> response = invoke("broken", "{}");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("X-Amz-Function-Error")).hasValue("Unhandled");
        JsonNode error = Json.MAPPER.readTree(response.body());
        assertThat(error.path("errorType").asText()).isEqualTo("java.lang.IllegalStateException");
        assertThat(error.path("errorMessage").asText()).isEqualTo("rollout r1 does not hold f:live");
    }

    @Test
    void answersAnUnknownFunctionWithResourceNotFound() throws Exception {
        HttpResponse<String> response = invoke("nope", "{}");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().firstValue("x-amzn-ErrorType")).hasValue("ResourceNotFoundException");
        assertThat(response.body()).contains("Function not found: nope").contains("echo");
    }

    private HttpResponse<String> invoke(String function, String payload) throws Exception {
        URI uri = URI.create(endpoint.uri() + "/2015-03-31/functions/"
                + java.net.URLEncoder.encode(function, StandardCharsets.UTF_8) + "/invocations");
        return http.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(payload)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
