package io.katacontainers.agent.container;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * JSON in and out with jackson-core's streaming API only. Jackson's ObjectMapper would load some three hundred
 * classes more into a guest whose memory is counted; the agent writes a ready-made tree and reads two fields.
 */
final class JsonFiles {
    private final JsonFactory factory = new JsonFactory();

    /** Writes a JSON tree (the runtime-spec config.json or process.json) to {@code file}. */
    void write(JsonNode tree, Path file) throws IOException {
        try (JsonGenerator out = factory.createGenerator(file.toFile(), JsonEncoding.UTF8)) {
            write(tree, out);
        }
    }

    /** The string value of a top-level field of a one-line JSON object, e.g. a runtime log entry's "msg". */
    Optional<String> field(String json, String name) throws IOException {
        try (JsonParser in = factory.createParser(json)) {
            if (in.nextToken() != JsonToken.START_OBJECT) {
                return Optional.empty();
            }
            while (in.nextToken() == JsonToken.FIELD_NAME) {
                String field = in.currentName();
                JsonToken value = in.nextToken();
                if (field.equals(name) && value == JsonToken.VALUE_STRING) {
                    return Optional.of(in.getText());
                }
                in.skipChildren();
            }
            return Optional.empty();
        }
    }

    private static void write(JsonNode node, JsonGenerator out) throws IOException {
        switch (node.getNodeType()) {
            case OBJECT -> {
                out.writeStartObject();
                for (Map.Entry<String, JsonNode> property : node.properties()) {
                    out.writeFieldName(property.getKey());
                    write(property.getValue(), out);
                }
                out.writeEndObject();
            }
            case ARRAY -> {
                out.writeStartArray();
                for (JsonNode element : node) {
                    write(element, out);
                }
                out.writeEndArray();
            }
            case STRING -> out.writeString(node.textValue());
            case BOOLEAN -> out.writeBoolean(node.booleanValue());
            case NUMBER -> writeNumber(node, out);
            case NULL -> out.writeNull();
            default -> throw new IllegalArgumentException("not a JSON value: " + node.getNodeType());
        }
    }

    private static void writeNumber(JsonNode node, JsonGenerator out) throws IOException {
        if (node.isBigInteger()) {
            out.writeNumber((BigInteger) node.numberValue());
        } else if (node.isIntegralNumber()) {
            out.writeNumber(node.longValue());
        } else {
            out.writeNumber(node.decimalValue());
        }
    }
}
