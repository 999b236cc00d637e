package dev.sprig.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.sprig.SprigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The JSON and YAML mappers of run folders: snake_case keys, unknown config keys rejected with a
 * message naming the key, records supported.
 */
public final class Json {
    /** JSON mapper for metrics, summaries and checkpoint metadata. */
    public static final ObjectMapper JSON = configure(new ObjectMapper());

    /** YAML mapper for configs. */
    public static final ObjectMapper YAML =
            configure(new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)));

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
            return YAML.readValue(text, TrainConfig.class);
        } catch (UnrecognizedPropertyException e) {
            throw new SprigException("unknown key '" + e.getPropertyName() + "' in " + origin);
        } catch (JsonProcessingException e) {
            throw new SprigException("bad " + origin + ": " + e.getOriginalMessage().split("\n")[0]);
        }
    }

    /**
     * Renders a config as YAML.
     *
     * @param config the config
     * @return YAML text
     */
    public static String toYaml(TrainConfig config) {
        try {
            return YAML.writeValueAsString(config);
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
