package dev.sprig.report;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sprig.SprigException;
import dev.sprig.train.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Everything a report can show about one run folder, read from the files any Sprig run writes:
 * {@code summary.json}, the {@code metrics.jsonl} of the run or of each phase folder inside it
 * (pipelines such as Early-Bird and EPI train in phases), {@code eb_distances.json} and {@code
 * evaluation.json} where they exist. Reading the files rather than the methods' classes keeps the
 * report independent of how a run was produced.
 *
 * @param dir the folder
 * @param name label in tables and legends
 * @param summary the summary's fields
 * @param curves epoch lines per phase ("" for a single-phase run)
 * @param ebDistances Early-Bird mask-distance matrix per prune ratio (empty when absent)
 * @param evaluation the evaluation suite's output (null when absent)
 * @param config the resolved {@code config.yaml} (empty when absent)
 */
public record RunRecord(
        Path dir,
        String name,
        Map<String, Object> summary,
        Map<String, List<JsonNode>> curves,
        Map<String, double[][]> ebDistances,
        JsonNode evaluation,
        Map<String, Object> config) {

    /**
     * Reads a run folder.
     *
     * @param dir the folder
     * @return the record
     * @throws SprigException when the folder holds no finished run
     */
    public static RunRecord read(Path dir) {
        Path summaryFile = dir.resolve("summary.json");
        if (!Files.isRegularFile(summaryFile)) {
            throw new SprigException(dir + " holds no finished run (no summary.json)");
        }
        try {
            Map<String, Object> summary =
                    Json.JSON.readValue(
                            summaryFile.toFile(), new TypeReference<Map<String, Object>>() {});
            Map<String, List<JsonNode>> curves = new LinkedHashMap<>();
            if (Files.isRegularFile(dir.resolve("metrics.jsonl")) && !isEnsemble(summary)) {
                curves.put("", lines(dir.resolve("metrics.jsonl")));
            } else {
                try (Stream<Path> children = Files.list(dir)) {
                    for (Path p : children.sorted().toList()) {
                        if (Files.isRegularFile(p.resolve("metrics.jsonl"))) {
                            curves.put(
                                    p.getFileName().toString(), lines(p.resolve("metrics.jsonl")));
                        }
                    }
                }
            }
            Map<String, double[][]> eb = new LinkedHashMap<>();
            Path ebFile = dir.resolve("eb_distances.json");
            if (Files.isRegularFile(ebFile)) {
                eb.putAll(
                        Json.JSON.readValue(
                                ebFile.toFile(), new TypeReference<Map<String, double[][]>>() {}));
            }
            Path evalFile = dir.resolve("evaluation.json");
            JsonNode evaluation =
                    Files.isRegularFile(evalFile) ? Json.JSON.readTree(evalFile.toFile()) : null;
            String name = dir.getFileName() == null ? dir.toString() : dir.getFileName().toString();
            Path configFile = dir.resolve("config.yaml");
            Map<String, Object> config =
                    Files.isRegularFile(configFile)
                            ? Json.YAML.readValue(
                                    configFile.toFile(),
                                    new TypeReference<Map<String, Object>>() {})
                            : Map.of();
            return new RunRecord(
                    dir, name, summary, curves, eb, evaluation, config == null ? Map.of() : config);
        } catch (IOException e) {
            throw new SprigException("cannot read the run in " + dir + ": " + e.getMessage());
        }
    }

    private static boolean isEnsemble(Map<String, Object> summary) {
        return summary.get("members") instanceof List<?>;
    }

    private static List<JsonNode> lines(Path file) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()) {
                out.add(Json.JSON.readTree(line));
            }
        }
        return out;
    }

    /**
     * A numeric summary field.
     *
     * @param key snake_case key
     * @return its value, or NaN when absent
     */
    public double number(String key) {
        return summary.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /**
     * A text summary field.
     *
     * @param key snake_case key
     * @return its value, or "" when absent
     */
    public String text(String key) {
        Object v = summary.get(key);
        return v == null ? "" : v.toString();
    }

    /**
     * How legends and point labels name the run: its method, and its sparsity when it has one.
     *
     * @return e.g. {@code rigl s=0.9}
     */
    public String label() {
        double s = number("sparsity");
        String method = text("method").isEmpty() ? name : text("method");
        return s > 0 ? method + " s=" + Ticks.label(s) : method;
    }

    /**
     * Bytes to store the weights: float32 values, as a dense array or, when that is smaller, the
     * non-zero values with a one-bit-per-weight mask (the simplest sparse format that any reader
     * can decode; CSR with 32-bit indices pays off only below 1/32 density and is not assumed).
     *
     * @return bytes, NaN when the summary lacks the parameter counts
     */
    public double storedBytes() {
        double params = number("params");
        double nonzero = number("nonzero_params");
        if (!Double.isFinite(params)) {
            return Double.NaN;
        }
        double dense = 4 * params;
        return Double.isFinite(nonzero)
                ? Math.min(dense, 4 * nonzero + Math.ceil(params / 8))
                : dense;
    }

    /**
     * The epoch lines of all phases in order, with the wall time each epoch ended at, counted from
     * the start of the first phase: what learning curves against wall time are drawn from.
     *
     * @return (cumulative seconds, line) pairs
     */
    public List<Map.Entry<Double, JsonNode>> timedLines() {
        List<Map.Entry<Double, JsonNode>> out = new ArrayList<>();
        double t = 0;
        for (List<JsonNode> phase : curves.values()) {
            for (JsonNode line : phase) {
                t += line.path("epoch_seconds").asDouble(0);
                out.add(Map.entry(t, line));
            }
        }
        return out;
    }

    /**
     * The mask updates of a dynamic sparse run: (step, fraction of active connections moved).
     *
     * @return the updates in step order, empty for other runs
     */
    public List<double[]> maskChanges() {
        List<double[]> out = new ArrayList<>();
        for (List<JsonNode> phase : curves.values()) {
            for (JsonNode line : phase) {
                for (JsonNode e : line.path("mask_changed_fraction")) {
                    out.add(new double[] {e.path(0).asDouble(), e.path(1).asDouble()});
                }
            }
        }
        return out;
    }

    /**
     * The per-layer densities the run's distribution asked for.
     *
     * @return layer to density, empty when the run records none
     */
    public Map<String, Double> targetDensities() {
        Map<String, Double> out = new LinkedHashMap<>();
        if (summary.get("target_layer_densities") instanceof Map<?, ?> m) {
            m.forEach((k, v) -> out.put(String.valueOf(k), ((Number) v).doubleValue()));
        }
        return out;
    }

    /**
     * @return training FLOPs as a fraction of dense training's
     */
    public double flopsRatio() {
        return number("train_flops") / number("dense_train_flops");
    }

    /**
     * A per-layer figure of the summary: sparse runs' densities or structured runs' channel counts.
     *
     * @return layer to value, empty when the run has neither
     */
    public Map<String, Double> perLayer() {
        for (String key : List.of("layer_densities", "channel_counts")) {
            if (summary.get(key) instanceof Map<?, ?> m && !m.isEmpty()) {
                Map<String, Double> out = new LinkedHashMap<>();
                m.forEach((k, v) -> out.put(String.valueOf(k), ((Number) v).doubleValue()));
                return out;
            }
        }
        return Map.of();
    }

    /**
     * @return which per-layer figure {@link #perLayer} holds
     */
    public String perLayerKind() {
        return summary.get("layer_densities") instanceof Map<?, ?> m && !m.isEmpty()
                ? "density"
                : "channels";
    }

    /**
     * @return the EPI value per warm-up epoch (null entries before the window fills), empty if none
     */
    public List<Double> epiSeries() {
        List<Double> out = new ArrayList<>();
        if (summary.get("epi_series") instanceof List<?> l) {
            l.forEach(v -> out.add(v instanceof Number n ? n.doubleValue() : null));
        }
        return out;
    }
}
