package io.katacontainers.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.MapEntry;
import com.google.protobuf.Message;
import io.katacontainers.agent.proto.Spec;

import java.math.BigInteger;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Converts between the OCI runtime spec as JSON ({@code config.json}) and Kata's protobuf {@link Spec}, in both
 * directions from one rule: a protobuf field's JSON key is its name with the first letter lowered, except for the
 * few names below whose protobuf spelling starts with an acronym. Walking the descriptors keeps the mapping
 * complete for every message of oci.proto without a hand-written line per field.
 */
public final class OciSpecJson {
    /** Protobuf field names whose JSON key does not follow the lower-first-letter rule. */
    private static final Map<String, String> JSON_KEYS = Map.of(
            "grpc.Spec.Version", "ociVersion",
            "UID", "uid",
            "GID", "gid",
            "OOMScoreAdj", "oomScoreAdj",
            "UIDMappings", "uidMappings",
            "GIDMappings", "gidMappings",
            "CPU", "cpu",
            "errnoret", "errnoRet");

    /**
     * Scalars the runtime spec requires even when zero (proto3 does not record a zero as set): writing them keeps
     * {@code "uid": 0} or an id mapping's {@code "containerID": 0} in config.json, where the OCI runtime expects it.
     */
    private static final Set<String> WRITTEN_WHEN_ZERO = Set.of(
            "grpc.User.UID", "grpc.User.GID",
            "grpc.LinuxIDMapping.HostID", "grpc.LinuxIDMapping.ContainerID", "grpc.LinuxIDMapping.Size",
            "grpc.POSIXRlimit.Hard", "grpc.POSIXRlimit.Soft",
            "grpc.LinuxDevice.Major", "grpc.LinuxDevice.Minor",
            "grpc.LinuxDeviceCgroup.Allow",
            "grpc.Box.Height", "grpc.Box.Width",
            "grpc.LinuxSeccompArg.Index", "grpc.LinuxSeccompArg.Value");

    private OciSpecJson() {
    }

    /**
     * Parses a runtime-spec document.
     *
     * @param unknownKeys receives the JSON path of every key that has no protobuf counterpart (dropped)
     * @throws OciSpecException naming the JSON path of the first value of the wrong type
     */
    public static Spec fromJson(JsonNode json, Consumer<String> unknownKeys) throws OciSpecException {
        return fromJson(json, Spec.newBuilder(), unknownKeys).build();
    }

    /**
     * Parses one object of the runtime spec (a whole spec, a process, the resources of an update) into the
     * builder of its oci.proto message.
     *
     * @param unknownKeys receives the JSON path of every key that has no protobuf counterpart (dropped)
     * @throws OciSpecException naming the JSON path of the first value of the wrong type
     */
    public static <B extends Message.Builder> B fromJson(JsonNode json, B builder, Consumer<String> unknownKeys)
            throws OciSpecException {
        if (!json.isObject()) {
            throw new OciSpecException("the OCI " + builder.getDescriptorForType().getName()
                    + " must be a JSON object, not " + json.getNodeType());
        }
        readMessage(json, builder, "", unknownKeys);
        return builder;
    }

    /** Writes the runtime-spec document for a protobuf spec; unset message fields and empty lists are omitted. */
    public static ObjectNode toJson(Message message) {
        ObjectNode object = JsonNodeFactory.instance.objectNode();
        for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
            boolean set = field.isRepeated() ? message.getRepeatedFieldCount(field) > 0 : message.hasField(field);
            if (set || WRITTEN_WHEN_ZERO.contains(field.getFullName())) {
                object.set(jsonKey(field), toJsonValue(field, message.getField(field)));
            }
        }
        return object;
    }

    static String jsonKey(FieldDescriptor field) {
        String special = JSON_KEYS.getOrDefault(field.getFullName(), JSON_KEYS.get(field.getName()));
        if (special != null) {
            return special;
        }
        String name = field.getName();
        return Character.toLowerCase(name.charAt(0)) + name.substring(1);
    }

    private static void readMessage(JsonNode json, Message.Builder builder, String path, Consumer<String> unknownKeys)
            throws OciSpecException {
        Descriptor descriptor = builder.getDescriptorForType();
        Map<String, FieldDescriptor> byKey = new HashMap<>();
        for (FieldDescriptor field : descriptor.getFields()) {
            byKey.put(jsonKey(field), field);
        }
        for (Map.Entry<String, JsonNode> entry : json.properties()) {
            String fieldPath = path.isEmpty() ? entry.getKey() : path + "." + entry.getKey();
            FieldDescriptor field = byKey.get(entry.getKey());
            if (field == null) {
                unknownKeys.accept(fieldPath);
            } else if (!entry.getValue().isNull()) {
                readField(entry.getValue(), builder, field, fieldPath, unknownKeys);
            }
        }
    }

    private static void readField(JsonNode json, Message.Builder builder, FieldDescriptor field, String path,
                                  Consumer<String> unknownKeys) throws OciSpecException {
        if (field.isMapField()) {
            expect(json.isObject(), path, "an object of strings");
            Descriptor entryType = field.getMessageType();
            for (Map.Entry<String, JsonNode> entry : json.properties()) {
                expect(entry.getValue().isTextual(), path + "." + entry.getKey(), "a string");
                Message.Builder mapEntry = builder.newBuilderForField(field);
                mapEntry.setField(entryType.findFieldByName("key"), entry.getKey());
                mapEntry.setField(entryType.findFieldByName("value"), entry.getValue().asText());
                builder.addRepeatedField(field, mapEntry.build());
            }
        } else if (field.isRepeated()) {
            expect(json.isArray(), path, "an array");
            for (int i = 0; i < json.size(); i++) {
                builder.addRepeatedField(field, readValue(json.get(i), builder, field, path + "[" + i + "]",
                        unknownKeys));
            }
        } else {
            builder.setField(field, readValue(json, builder, field, path, unknownKeys));
        }
    }

    private static Object readValue(JsonNode json, Message.Builder parent, FieldDescriptor field, String path,
                                    Consumer<String> unknownKeys) throws OciSpecException {
        switch (field.getJavaType()) {
            case MESSAGE -> {
                expect(json.isObject(), path, "an object");
                Message.Builder child = parent.newBuilderForField(field);
                readMessage(json, child, path, unknownKeys);
                return child.build();
            }
            case STRING -> {
                expect(json.isTextual(), path, "a string");
                return json.asText();
            }
            case BOOLEAN -> {
                expect(json.isBoolean(), path, "true or false");
                return json.asBoolean();
            }
            case INT -> {
                expect(json.isIntegralNumber() && json.canConvertToLong(), path, "an integer");
                long value = json.asLong();
                boolean unsigned = field.getType() == FieldDescriptor.Type.UINT32;
                expect(unsigned ? value >= 0 && value <= 0xFFFF_FFFFL : json.canConvertToInt(), path,
                        unsigned ? "an integer from 0 to 4294967295" : "a 32-bit integer");
                return (int) value;
            }
            case LONG -> {
                boolean unsigned = field.getType() == FieldDescriptor.Type.UINT64;
                expect(json.isIntegralNumber() && (unsigned ? json.bigIntegerValue().signum() >= 0
                        && json.bigIntegerValue().bitLength() <= 64 : json.canConvertToLong()), path,
                        unsigned ? "a non-negative 64-bit integer" : "a 64-bit integer");
                return json.bigIntegerValue().longValue();
            }
            default -> throw new OciSpecException(path + ": unsupported field type " + field.getType());
        }
    }

    private static JsonNode toJsonValue(FieldDescriptor field, Object value) {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        if (field.isMapField()) {
            ObjectNode map = nodes.objectNode();
            for (Object entry : (List<?>) value) {
                MapEntry<?, ?> mapEntry = (MapEntry<?, ?>) entry;
                map.put(String.valueOf(mapEntry.getKey()), String.valueOf(mapEntry.getValue()));
            }
            return map;
        }
        if (field.isRepeated()) {
            ArrayNode array = nodes.arrayNode();
            for (Object element : (List<?>) value) {
                array.add(scalarToJson(field, element));
            }
            return array;
        }
        return scalarToJson(field, value);
    }

    private static JsonNode scalarToJson(FieldDescriptor field, Object value) {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        return switch (field.getType()) {
            case MESSAGE -> toJson((Message) value);
            case STRING -> nodes.textNode((String) value);
            case BOOL -> nodes.booleanNode((Boolean) value);
            case UINT32 -> nodes.numberNode(Integer.toUnsignedLong((Integer) value));
            case UINT64 -> nodes.numberNode(new BigInteger(Long.toUnsignedString((Long) value)));
            case INT32 -> nodes.numberNode((Integer) value);
            case INT64 -> nodes.numberNode((Long) value);
            default -> throw new IllegalArgumentException("oci.proto has no field of type " + field.getType());
        };
    }

    private static void expect(boolean condition, String path, String what) throws OciSpecException {
        if (!condition) {
            throw new OciSpecException(path + ": expected " + what);
        }
    }
}
