package dev.sprig.sweep;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sprig.SprigException;
import dev.sprig.train.Json;
import dev.sprig.train.Methods;
import dev.sprig.train.TrainConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A grid of runs: a base config crossed with lists of values for any settings (the RigL, SET and
 * SNFS tables are methods x sparsities x seeds; FreeTickets' are members; EPI's are pruning
 * epochs). Read once from YAML and validated here, so a bad grid fails before any run starts:
 *
 * <pre>
 * base: ../recipes/rigl-lenet300-mnist.yaml  # a config file, or config: {settings}
 * settings: {epochs: 20}                   # optional: applied to every cell
 * grid:
 *   method: [static, set, snfs, rigl]
 *   sparsity: [0.9, 0.95, 0.98]
 *   seed: [0, 1, 2]
 * name: "{method}-{sparsity}-seed{seed}"   # optional: the cell folders' names
 * </pre>
 *
 * <p>A cell's config is resolved like {@code sprig train}'s: the method's published defaults, then
 * the base, then {@code settings}, then the cell's values.
 */
public final class SweepGrid {
    private static final Set<String> KEYS = Set.of("base", "config", "settings", "grid", "name");
    private static final Pattern FIELD = Pattern.compile("\\{([a-z_]+)}");
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9._+=-]+");

    private final String origin;
    private final String baseText;
    private final ObjectNode settings;
    private final LinkedHashMap<String, List<JsonNode>> axes;
    private final String nameTemplate;

    private SweepGrid(
            String origin,
            String baseText,
            ObjectNode settings,
            LinkedHashMap<String, List<JsonNode>> axes,
            String nameTemplate) {
        this.origin = origin;
        this.baseText = baseText;
        this.settings = settings;
        this.axes = axes;
        this.nameTemplate = nameTemplate;
    }

    /**
     * Reads a grid file; a relative {@code base} is resolved against the file's folder.
     *
     * @param file the YAML file
     * @return the grid
     * @throws SprigException for a missing file, bad YAML, an unknown key, an empty axis, a setting
     *     Sprig does not know, or two cells with one name
     */
    public static SweepGrid read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new SprigException("grid file not found: " + file);
        } catch (IOException e) {
            throw new SprigException("cannot read grid " + file + ": " + e.getMessage());
        }
        Path folder = file.toAbsolutePath().getParent();
        return parse(text, "grid " + file, folder);
    }

    /**
     * Parses grid text.
     *
     * @param text the YAML
     * @param origin what it is, for messages
     * @param folder where a relative {@code base} is found
     * @return the grid
     * @throws SprigException as {@link #read}
     */
    public static SweepGrid parse(String text, String origin, Path folder) {
        JsonNode tree;
        try {
            tree = Json.YAML.readTree(text);
        } catch (JsonProcessingException e) {
            throw new SprigException(
                    "bad " + origin + ": " + e.getOriginalMessage().split("\n")[0]);
        }
        if (tree == null || !tree.isObject()) {
            throw new SprigException("bad " + origin + ": expected a map with a 'grid:' entry");
        }
        for (Iterator<String> it = tree.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!KEYS.contains(k)) {
                throw new SprigException(
                        "unknown key '"
                                + k
                                + "' in "
                                + origin
                                + " (known: "
                                + String.join(", ", new java.util.TreeSet<>(KEYS))
                                + ")");
            }
        }
        if (tree.has("base") && tree.has("config")) {
            throw new SprigException(
                    origin + ": give base (a config file) or config (settings), not both");
        }
        String baseText = "";
        if (tree.has("base")) {
            Path base = folder.resolve(tree.get("base").asText());
            try {
                baseText = Files.readString(base, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new SprigException(origin + ": cannot read base config " + base);
            }
        } else if (tree.has("config")) {
            if (!tree.get("config").isObject()) {
                throw new SprigException(origin + ": config must be a map of settings");
            }
            baseText = Json.line(tree.get("config"));
        }
        ObjectNode settings = Json.YAML.createObjectNode();
        if (tree.has("settings")) {
            if (!tree.get("settings").isObject()) {
                throw new SprigException(origin + ": settings must be a map of settings");
            }
            settings = (ObjectNode) tree.get("settings");
        }
        JsonNode grid = tree.get("grid");
        if (grid == null || !grid.isObject() || grid.size() == 0) {
            throw new SprigException(
                    origin + ": 'grid:' must map at least one setting to a list of values");
        }
        Set<String> known =
                Json.configKeys(Json.line(Json.JSON.valueToTree(new TrainConfig())), origin);
        LinkedHashMap<String, List<JsonNode>> axes = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = grid.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            if (!known.contains(key)) {
                throw new SprigException("unknown setting '" + key + "' in the grid of " + origin);
            }
            JsonNode values = e.getValue();
            List<JsonNode> list = new ArrayList<>();
            if (values.isArray()) {
                values.forEach(list::add);
            } else {
                list.add(values);
            }
            if (list.isEmpty()) {
                throw new SprigException(
                        "empty axis '" + key + "' in " + origin + ": give it at least one value");
            }
            axes.put(key, list);
        }
        for (String k : Json.configKeys(Json.line(settings), origin)) {
            if (!known.contains(k)) {
                throw new SprigException(
                        "unknown setting '" + k + "' in the settings of " + origin);
            }
        }
        String template = tree.has("name") ? tree.get("name").asText() : null;
        if (template != null) {
            Matcher m = FIELD.matcher(template);
            while (m.find()) {
                if (!axes.containsKey(m.group(1))) {
                    throw new SprigException(
                            origin
                                    + ": the name pattern uses {"
                                    + m.group(1)
                                    + "}, which is not an axis of the grid");
                }
            }
        }
        SweepGrid g = new SweepGrid(origin, baseText, settings, axes, template);
        g.cells(); // every cell resolves, and names are unique
        return g;
    }

    /**
     * Returns the axes in file order.
     *
     * @return setting to values
     */
    public Map<String, List<JsonNode>> axes() {
        return java.util.Collections.unmodifiableMap(axes);
    }

    /**
     * Crosses the axes (the last varies fastest) into cells, each resolved and validated.
     *
     * @return the cells
     * @throws SprigException when a cell's settings are invalid or two cells share a name
     */
    public List<SweepCell> cells() {
        List<SweepCell> out = new ArrayList<>();
        List<String> keys = new ArrayList<>(axes.keySet());
        int[] at = new int[keys.size()];
        Set<String> names = new HashSet<>();
        while (true) {
            LinkedHashMap<String, JsonNode> values = new LinkedHashMap<>();
            for (int i = 0; i < keys.size(); i++) {
                values.put(keys.get(i), axes.get(keys.get(i)).get(at[i]));
            }
            String name = name(values);
            if (!names.add(name)) {
                throw new SprigException(
                        origin
                                + ": two cells are both named '"
                                + name
                                + "'"
                                + (nameTemplate == null
                                        ? " (the grid repeats a value)"
                                        : "; make the name pattern use every axis"));
            }
            out.add(new SweepCell(name, values, resolve(values, name)));
            int i = keys.size() - 1;
            while (i >= 0 && ++at[i] == axes.get(keys.get(i)).size()) {
                at[i] = 0;
                i--;
            }
            if (i < 0) {
                return out;
            }
        }
    }

    private String name(Map<String, JsonNode> values) {
        String name;
        if (nameTemplate != null) {
            Matcher m = FIELD.matcher(nameTemplate);
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(sb, Matcher.quoteReplacement(text(values.get(m.group(1)))));
            }
            m.appendTail(sb);
            name = sb.toString();
        } else {
            List<String> parts = new ArrayList<>();
            values.forEach((k, v) -> parts.add(k + "=" + text(v)));
            name = String.join(",", parts).replace(',', '_');
        }
        if (!SAFE_NAME.matcher(name).matches()) {
            throw new SprigException(
                    origin
                            + ": cell name '"
                            + name
                            + "' is not a safe folder name (letters, digits and . _ + = - only)");
        }
        return name;
    }

    private static String text(JsonNode v) {
        return v.isValueNode() ? v.asText() : Json.line(v).replaceAll("[^A-Za-z0-9.]+", "-");
    }

    private String resolve(Map<String, JsonNode> values, String name) {
        ObjectNode overrides = settings.deepCopy();
        values.forEach(overrides::set);
        String where = origin + ", cell " + name;
        TrainConfig config = Json.readConfig(baseText, where);
        String method = overrides.has("method") ? overrides.get("method").asText() : config.method;
        if (!Methods.contains(method)) {
            throw new SprigException(where + ": unknown method '" + method + "'");
        }
        try {
            config = Json.layered(config, baseText, overrides);
        } catch (IOException e) {
            throw new SprigException(
                    "bad value in " + where + ": " + e.getMessage().split("\n")[0]);
        }
        try {
            config.validate();
        } catch (SprigException e) {
            throw new SprigException(where + ": " + e.getMessage());
        }
        return Json.toYaml(config);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s (%d axes)", origin, axes.size());
    }
}
