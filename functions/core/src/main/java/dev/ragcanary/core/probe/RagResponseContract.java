package dev.ragcanary.core.probe;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.ragcanary.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks responses against the RAG data contract, schemas/rag-response.schema.json (bundled on the classpath), plus
 * any extra schema a probe declares. Thread-safe: compiled schemas are shared by replay workers.
 */
public final class RagResponseContract {
    public static final String RESPONSE_SCHEMA = "/schemas/rag-response.schema.json";
    public static final String PROBE_SET_SCHEMA = "/schemas/probe-set.schema.json";

    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

    private final JsonSchema responseSchema;
    private final Map<JsonNode, JsonSchema> probeSchemas = new ConcurrentHashMap<>();

    public RagResponseContract() {
        this.responseSchema = compile(bundled(RESPONSE_SCHEMA));
    }

    /** Every way {@code response} breaks the contract (and {@code extraSchema}, when not null), as "path: message". */
    public List<String> violations(JsonNode response, JsonNode extraSchema) {
        List<String> out = messages(responseSchema, response);
        if (extraSchema == null) {
            return out;
        }
        List<String> extra = messages(probeSchemas.computeIfAbsent(extraSchema, RagResponseContract::compile), response);
        return extra.isEmpty() ? out : java.util.stream.Stream.concat(out.stream(), extra.stream()).toList();
    }

    /** A bundled schema document (under /schemas on the classpath). */
    public static JsonNode bundled(String resource) {
        try (InputStream in = RagResponseContract.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the classpath");
            }
            return Json.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }

    public static JsonSchema compile(JsonNode schema) {
        JsonSchema compiled = FACTORY.getSchema(schema);
        compiled.initializeValidators();
        return compiled;
    }

    public static List<String> messages(JsonSchema schema, JsonNode document) {
        return schema.validate(document).stream()
                .map(ValidationMessage::getMessage)
                .sorted()
                .toList();
    }
}
