package dev.ragcanary.core.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonNodePath;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.util.Comparator;
import java.util.List;

/**
 * Every document rag-canary takes, each with its schema under {@code schemas/} (the single source of its shape, types
 * and ranges) and its size limit. Reading one is {@link StrictJson} followed by the schema; every problem comes back
 * at once with its JSON path. Rules a schema cannot say stay with the code that binds the document.
 */
public enum Contract {
    /** A Step Functions execution input is at most 256 KiB. */
    START_INPUT("start input", "start-rollout.schema.json", 256 * 1024),
    THRESHOLDS("thresholds", "thresholds.schema.json", 64 * 1024),
    /** Raw latency samples make evidence bundles the largest documents. */
    EVIDENCE("evidence", "evidence.schema.json", 32 * 1024 * 1024),
    PROBE_SET("probe set", "probe-set.schema.json", 8 * 1024 * 1024),
    SCENARIO("scenario", "scenario.schema.json", 1024 * 1024),
    CALIBRATION("calibration", "calibration.schema.json", 1024 * 1024),
    /** Lambda's synchronous invocation payload limit, both ways. */
    RAG_REQUEST("RAG request", "rag-request.schema.json", 6 * 1024 * 1024),
    RAG_RESPONSE("RAG response", "rag-response.schema.json", 6 * 1024 * 1024),
    GATE_EVALUATION_INPUT("gate evaluation input", "gate-evaluation-input.schema.json", 256 * 1024),
    WEIGHT_SHIFTER_INPUT("weight shifter input", "weight-shifter-input.schema.json", 256 * 1024),
    PROBE_REPLAY_INPUT("probe replay input", "probe-replay-input.schema.json", 256 * 1024),
    /** EventBridge events are at most 256 KiB. */
    EXECUTION_STATUS_CHANGE("execution status event", "execution-status-change.schema.json", 256 * 1024);

    public static final String SCHEMA_BASE = "https://ragcanary.dev/schemas/";
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
            builder -> builder.schemaMappers(mappers -> mappers.mapPrefix(SCHEMA_BASE, "classpath:schemas/")));
    /** A schema may word a keyword's failure itself: {"pattern": ..., "message": {"pattern": "expected ..."}}. */
    private static final SchemaValidatorsConfig CONFIG = SchemaValidatorsConfig.builder()
            .pathType(PathType.JSON_PATH)
            .errorMessageKeyword("message")
            .formatAssertionsEnabled(true)
            .build();

    private final String what;
    private final String schemaFile;
    private final int maxBytes;
    private volatile JsonSchema schema;

    Contract(String what, String schemaFile, int maxBytes) {
        this.what = what;
        this.schemaFile = schemaFile;
        this.maxBytes = maxBytes;
    }

    public String what() {
        return what;
    }

    public String schemaFile() {
        return schemaFile;
    }

    public int maxBytes() {
        return maxBytes;
    }

    /** Reads {@code text} strictly and checks it against the schema; throws with every problem found. */
    public JsonNode read(String text) {
        return checked(parse(text));
    }

    /** Reads {@code text} strictly (size, depth, duplicates, non-finite numbers), not yet against the schema. */
    public JsonNode parse(String text) {
        return parse(what, text);
    }

    /** As {@link #parse(String)}, problems naming the document {@code what}, e.g. its file. */
    public JsonNode parse(String what, String text) {
        return StrictJson.read(what, text, maxBytes);
    }

    public JsonNode read(byte[] utf8) {
        return checked(StrictJson.read(what, utf8, maxBytes));
    }

    /** {@code document} itself when it follows the schema; else throws with every problem. */
    public JsonNode checked(JsonNode document) {
        List<Problem> problems = problems(document);
        if (!problems.isEmpty()) {
            throw new InvalidInputException(what, problems);
        }
        return document;
    }

    /** Every way {@code document} breaks the schema, sorted by path; empty when it follows it. */
    public List<Problem> problems(JsonNode document) {
        return problems(schema(), document);
    }

    /** A schema that is not one of these contracts (a probe's extra response schema), compiled like them. */
    public static JsonSchema compile(JsonNode schema) {
        JsonSchema compiled = FACTORY.getSchema(schema, CONFIG);
        compiled.initializeValidators();
        return compiled;
    }

    public static List<Problem> problems(JsonSchema schema, JsonNode document) {
        return schema.validate(document).stream()
                .map(Contract::problem)
                .sorted(Comparator.comparing(Problem::path))
                .distinct()
                .toList();
    }

    private JsonSchema schema() {
        JsonSchema compiled = schema;
        if (compiled == null) {
            compiled = FACTORY.getSchema(SchemaLocation.of(SCHEMA_BASE + schemaFile), CONFIG);
            compiled.initializeValidators();
            schema = compiled;
        }
        return compiled;
    }

    /**
     * The validator's message as a problem at the path it concerns: a missing or unknown field and a bad key are named
     * at their own path, not their object's.
     */
    private static Problem problem(ValidationMessage message) {
        String at = path(message.getInstanceLocation());
        String theirs = message.getInstanceLocation() + ": ";
        String text = message.getMessage();
        String own = text.startsWith(theirs) ? text.substring(theirs.length()) : text;
        return switch (message.getType()) {
            case "required" -> new Problem(at + "." + message.getProperty(),
                    own.startsWith("required property") ? "is required but missing" : own);
            case "additionalProperties" -> new Problem(at + "." + message.getProperty(), "unknown field");
            case "propertyNames" -> new Problem(at + "." + message.getProperty(), own.substring(own.indexOf(": ") + 2)
                    + " but was \"" + message.getProperty() + "\"");
            case "type" -> new Problem(at, own);
            default -> new Problem(at, message.getInstanceNode() != null && message.getInstanceNode().isValueNode()
                    ? own + " but was " + message.getInstanceNode() : own);
        };
    }

    /** {@code $.a.b[2]}: field names always after a dot, as every other problem in rag-canary names them. */
    private static String path(JsonNodePath location) {
        StringBuilder out = new StringBuilder("$");
        for (int i = 0; i < location.getNameCount(); i++) {
            Object element = location.getElement(i);
            out.append(element instanceof Integer index ? "[" + index + "]" : "." + element);
        }
        return out.toString();
    }
}
