package dev.sprig.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.sprig.SprigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The JSON and YAML mappers of run folders: snake_case keys, unknown config keys rejected with a
 * message naming the key, records supported.
 */
public final class Json {
    /** JSON mapper for metrics, summaries and checkpoint metadata. */
    public static final ObjectMapper JSON = configure(new ObjectMapper());

    /** YAML mapper for configs. */
    public static final ObjectMapper YAML =
            configure(
                    new ObjectMapper(
                            new YAMLFactory()
                                    .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)));

    private Json() {}

    private static ObjectMapper configure(ObjectMapper m) {
        m.setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
        m.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        m.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        m.disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
        return m;
    }

    /**
     * Reads a YAML training config.
     *
     * @param file the file
     * @return the config (not yet validated)
     * @throws SprigException for a missing file, bad YAML or an unknown key
     */
    public static TrainConfig readConfig(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new SprigException("config file not found: " + file);
        } catch (IOException e) {
            throw new SprigException("cannot read config " + file + ": " + e.getMessage());
        }
        return readConfig(text, "config " + file);
    }

    /**
     * Parses YAML training-config text.
     *
     * @param text the YAML
     * @param origin what it is, for messages (e.g. "recipe rigl-lenet300-mnist")
     * @return the config (not yet validated)
     * @throws SprigException for bad YAML or an unknown key
     */
    public static TrainConfig readConfig(String text, String origin) {
        if (text.isBlank()) {
            return new TrainConfig();
        }
        try {
            return YAML.treeToValue(flatConfig(text, origin), TrainConfig.class);
        } catch (UnrecognizedPropertyException e) {
            throw new SprigException("unknown key '" + e.getPropertyName() + "' in " + origin);
        } catch (JsonProcessingException e) {
            throw new SprigException(
                    "bad " + origin + ": " + e.getOriginalMessage().split("\n")[0]);
        }
    }

    /**
     * Lays a run's settings in the one order every command uses: the method's published defaults,
     * then the config text, then the overrides (flags, a sweep cell's values).
     *
     * @param base the config parsed from {@code baseText}
     * @param baseText its text (null for none), whose keys keep their value over the defaults
     * @param overrides settings that win over both, by config key
     * @return the resolved config (not yet validated)
     * @throws IOException for an override that does not fit its setting
     */
    public static TrainConfig layered(TrainConfig base, String baseText, ObjectNode overrides)
            throws IOException {
        String method = overrides.has("method") ? overrides.get("method").asText() : base.method;
        Map<String, Object> defaults =
                Methods.contains(method) ? Methods.get(method).publishedDefaults() : Map.of();
        TrainConfig config = base;
        if (!defaults.isEmpty()) {
            java.util.Set<String> fromText =
                    baseText == null ? java.util.Set.of() : configKeys(baseText, "config");
            ObjectNode methodDefaults = JSON.createObjectNode();
            defaults.forEach(
                    (k, v) -> {
                        if (!fromText.contains(k)) {
                            methodDefaults.set(k, JSON.valueToTree(v));
                        }
                    });
            config = JSON.readerForUpdating(config).readValue(methodDefaults);
        }
        return JSON.readerForUpdating(config).readValue(overrides);
    }

    /**
     * Lists the setting keys a config text names, sections flattened.
     *
     * @param text the YAML
     * @param origin what it is, for messages
     * @return the keys
     * @throws SprigException for bad YAML
     */
    public static java.util.Set<String> configKeys(String text, String origin) {
        java.util.Set<String> keys = new java.util.LinkedHashSet<>();
        if (!text.isBlank()) {
            flatConfig(text, origin).fieldNames().forEachRemaining(keys::add);
        }
        return keys;
    }

    /**
     * Reads config text into one flat map of settings: the keys of each section ({@code sparse:},
     * {@code early_bird:}, ...; see {@link OptionGroup#section}) move to the top level, so a
     * sectioned {@code config.yaml}, a flat one written before sections and a recipe all read
     * alike.
     */
    private static ObjectNode flatConfig(String text, String origin) {
        JsonNode tree;
        try {
            tree = YAML.readTree(text);
        } catch (JsonProcessingException e) {
            throw new SprigException(
                    "bad " + origin + ": " + e.getOriginalMessage().split("\n")[0]);
        }
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            return YAML.createObjectNode();
        }
        if (!tree.isObject()) {
            throw new SprigException("bad " + origin + ": expected a map of settings");
        }
        java.util.Set<String> sections = new java.util.HashSet<>();
        for (OptionGroup g : sectionGroups()) {
            sections.add(g.section());
        }
        ObjectNode flat = YAML.createObjectNode();
        var fields = tree.fields();
        while (fields.hasNext()) {
            var e = fields.next();
            if (sections.contains(e.getKey()) && e.getValue().isObject()) {
                var inner = e.getValue().fields();
                while (inner.hasNext()) {
                    var k = inner.next();
                    if (flat.has(k.getKey())) {
                        throw new SprigException(
                                "bad " + origin + ": '" + k.getKey() + "' is set twice");
                    }
                    flat.set(k.getKey(), k.getValue());
                }
            } else {
                if (flat.has(e.getKey())) {
                    throw new SprigException(
                            "bad " + origin + ": '" + e.getKey() + "' is set twice");
                }
                flat.set(e.getKey(), e.getValue());
            }
        }
        return flat;
    }

    /** The option groups that {@code config.yaml} writes as sections, in the registry's order. */
    private static java.util.List<OptionGroup> sectionGroups() {
        java.util.List<OptionGroup> groups = new java.util.ArrayList<>();
        for (Method m : Methods.all()) {
            for (OptionGroup g : m.options()) {
                if (g.section() != null && !groups.contains(g)) {
                    groups.add(g);
                }
            }
        }
        return groups;
    }

    /**
     * Renders a config as YAML: the shared settings at the top level, then one section per method
     * family's option group, so a reader sees which settings belong to which method.
     *
     * @param config the config
     * @return YAML text
     */
    public static String toYaml(TrainConfig config) {
        ObjectNode flat = YAML.valueToTree(config);
        java.util.Map<String, String> sectionOf = new java.util.HashMap<>();
        java.util.List<OptionGroup> groups = sectionGroups();
        for (OptionGroup g : groups) {
            for (String k : g.keys()) {
                sectionOf.putIfAbsent(k, g.section());
            }
        }
        ObjectNode out = YAML.createObjectNode();
        flat.fields()
                .forEachRemaining(
                        e -> {
                            if (!sectionOf.containsKey(e.getKey())) {
                                out.set(e.getKey(), e.getValue());
                            }
                        });
        for (OptionGroup g : groups) {
            ObjectNode section = YAML.createObjectNode();
            flat.fields()
                    .forEachRemaining(
                            e -> {
                                if (g.section().equals(sectionOf.get(e.getKey()))) {
                                    section.set(e.getKey(), e.getValue());
                                }
                            });
            if (!section.isEmpty() && !out.has(g.section())) {
                out.set(g.section(), section);
            }
        }
        try {
            return YAML.writeValueAsString(out);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Renders a value as one line of JSON.
     *
     * @param value the value
     * @return JSON text
     */
    public static String line(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Renders a value as indented JSON.
     *
     * @param value the value
     * @return JSON text
     */
    public static String pretty(Object value) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
