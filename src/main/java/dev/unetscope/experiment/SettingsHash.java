package dev.unetscope.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;

/**
 * The settings that made a result, reduced to a short hash recorded beside it (Tribuo's lesson: a
 * result carries how it was made). The hash is the first 12 hex digits of the SHA-256 of the
 * settings as JSON with sorted keys, so it is the same on every machine and does not depend on field
 * order; {@link #differences} names the settings that differ, for the one-line refusal.
 */
public final class SettingsHash {
    private SettingsHash() {}

    private static final ObjectMapper JSON = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    public static JsonNode tree(Object settings) {
        return settings instanceof JsonNode n ? n : JSON.valueToTree(settings);
    }

    public static String of(Object settings) {
        try {
            String canonical = JSON.writeValueAsString(JSON.treeToValue(sorted(tree(settings)), Object.class));
            byte[] d = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, 12);
        } catch (NoSuchAlgorithmException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot hash settings", e);
        }
    }

    private static JsonNode sorted(JsonNode n) {
        if (!n.isObject()) return n;
        ObjectNode o = JSON.createObjectNode();
        TreeSet<String> names = new TreeSet<>();
        n.fieldNames().forEachRemaining(names::add);
        for (String k : names) o.set(k, sorted(n.get(k)));
        return o;
    }

    /** "name: recorded -> requested" for every top-level setting that differs. */
    public static List<String> differences(Object recorded, Object requested) {
        JsonNode a = tree(recorded), b = tree(requested);
        TreeSet<String> names = new TreeSet<>();
        a.fieldNames().forEachRemaining(names::add);
        b.fieldNames().forEachRemaining(names::add);
        List<String> out = new ArrayList<>();
        for (String k : names) {
            JsonNode x = a.get(k), y = b.get(k);
            if (x == null ? y != null : !x.equals(y)) out.add(k + " " + (x == null ? "unset" : x) + " recorded, " + (y == null ? "unset" : y) + " requested");
        }
        return out;
    }
}
