package dev.ragcanary.infra;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import software.amazon.awscdk.assertions.Template;

/** The synthesized template as a JSON tree, with lookups by resource type and logical-id prefix. */
final class TemplateJson {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private final JsonNode resources;

    TemplateJson(Template template) {
        this.resources = MAPPER.valueToTree(template.toJSON()).path("Resources");
    }

    /** Logical id → resource of {@code type}. */
    Map<String, JsonNode> ofType(String type) {
        Map<String, JsonNode> found = new java.util.TreeMap<>();
        resources.fields().forEachRemaining(e -> {
            if (e.getValue().path("Type").asText().equals(type)) {
                found.put(e.getKey(), e.getValue());
            }
        });
        return found;
    }

    /** The one resource of {@code type} whose logical id starts with {@code prefix}. */
    JsonNode one(String type, String prefix) {
        List<JsonNode> matches = ofType(type).entrySet().stream()
                .filter(e -> e.getKey().startsWith(prefix)).map(Map.Entry::getValue).toList();
        if (matches.size() != 1) {
            throw new AssertionError("expected one " + type + " named " + prefix + "*, found " + matches.size()
                    + " among " + ofType(type).keySet());
        }
        return matches.get(0);
    }

    String logicalId(String type, String prefix) {
        return ofType(type).keySet().stream().filter(id -> id.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type + " named " + prefix + "*"));
    }

    /** Every statement of the inline policies attached to the role whose logical id starts with {@code rolePrefix}. */
    List<JsonNode> statementsOf(String rolePrefix) {
        String role = logicalId("AWS::IAM::Role", rolePrefix);
        List<JsonNode> statements = new ArrayList<>();
        for (JsonNode policy : ofType("AWS::IAM::Policy").values()) {
            for (JsonNode roleRef : policy.path("Properties").path("Roles")) {
                if (roleRef.path("Ref").asText().equals(role)) {
                    policy.path("Properties").path("PolicyDocument").path("Statement").forEach(statements::add);
                }
            }
        }
        return statements;
    }

    /** Every statement of every inline policy in the template. */
    List<JsonNode> allStatements() {
        List<JsonNode> statements = new ArrayList<>();
        for (JsonNode policy : ofType("AWS::IAM::Policy").values()) {
            policy.path("Properties").path("PolicyDocument").path("Statement").forEach(statements::add);
        }
        return statements;
    }

    /** A statement's actions, whether written as one string or a list. */
    static List<String> actions(JsonNode statement) {
        return strings(statement.path("Action"));
    }

    /** A statement's resources, each {@linkplain #render rendered}. */
    static List<String> resources(JsonNode statement) {
        JsonNode resource = statement.path("Resource");
        List<String> texts = new ArrayList<>();
        for (JsonNode item : resource.isArray() ? resource : MAPPER.createArrayNode().add(resource)) {
            texts.add(render(item));
        }
        return texts;
    }

    /**
     * An intrinsic-function value as readable text: Fn::Join joined, {@code AWS::Partition} as "aws", other Refs as
     * {@code <LogicalId>}, GetAtt as {@code <LogicalId.Attribute>}.
     */
    static String render(JsonNode value) {
        if (value.isTextual()) {
            return value.asText();
        }
        if (value.has("Ref")) {
            String ref = value.get("Ref").asText();
            return ref.equals("AWS::Partition") ? "aws" : "<" + ref + ">";
        }
        if (value.has("Fn::GetAtt")) {
            return "<" + value.get("Fn::GetAtt").get(0).asText() + "." + value.get("Fn::GetAtt").get(1).asText() + ">";
        }
        if (value.has("Fn::Join")) {
            StringBuilder text = new StringBuilder();
            String separator = value.get("Fn::Join").get(0).asText();
            JsonNode parts = value.get("Fn::Join").get(1);
            for (int i = 0; i < parts.size(); i++) {
                text.append(i == 0 ? "" : separator).append(render(parts.get(i)));
            }
            return text.toString();
        }
        return value.toString();
    }

    static List<String> strings(JsonNode node) {
        List<String> values = new ArrayList<>();
        if (node.isArray()) {
            ((ArrayNode) node).forEach(n -> values.add(n.asText()));
        } else if (!node.isMissingNode()) {
            values.add(node.asText());
        }
        return values;
    }

    static JsonNode json(Object value) {
        return MAPPER.valueToTree(value);
    }
}
