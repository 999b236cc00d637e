package dev.sprig.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The final figures of a run: what it achieved next to what it cost. Written as {@code
 * summary.json}; accuracies and sparsities are fractions in [0, 1].
 *
 * @param method training method
 * @param model architecture key
 * @param dataset data set key
 * @param testAccuracy final test accuracy
 * @param testLoss final test loss
 * @param sparsity fraction of prunable weights that are zero
 * @param params trainable parameters of the dense architecture
 * @param nonzeroParams parameters actually stored
 * @param trainFlops training FLOPs spent
 * @param denseTrainFlops FLOPs dense training would have spent over the same steps
 * @param inferenceFlops forward FLOPs per example of the final network
 * @param wallSeconds wall time of the whole run (all resumes added up)
 * @param epochs epochs trained
 * @param seed run seed
 * @param extra method-specific and bookkeeping values
 */
public record RunSummary(
        String method,
        String model,
        String dataset,
        double testAccuracy,
        double testLoss,
        double sparsity,
        long params,
        long nonzeroParams,
        double trainFlops,
        double denseTrainFlops,
        long inferenceFlops,
        double wallSeconds,
        int epochs,
        long seed,
        Map<String, Object> extra) {

    /**
     * Returns the summary as an ordered map with snake_case keys, required keys first.
     *
     * @return the map written to {@code summary.json}
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", method);
        m.put("model", model);
        m.put("dataset", dataset);
        m.put("test_accuracy", testAccuracy);
        m.put("test_loss", testLoss);
        m.put("sparsity", sparsity);
        m.put("params", params);
        m.put("nonzero_params", nonzeroParams);
        m.put("train_flops", trainFlops);
        m.put("dense_train_flops", denseTrainFlops);
        m.put("train_flops_ratio", denseTrainFlops > 0 ? trainFlops / denseTrainFlops : 1.0);
        m.put("inference_flops", inferenceFlops);
        m.put("wall_seconds", wallSeconds);
        m.put("epochs", epochs);
        m.put("seed", seed);
        m.putAll(extra);
        return m;
    }

    /**
     * Reads a {@code summary.json} back; keys beyond the required ones land in {@code extra}.
     *
     * @param dir the run folder
     * @return the summary
     * @throws dev.sprig.SprigException when it is missing or lacks a required figure
     */
    public static RunSummary read(java.nio.file.Path dir) {
        try {
            Map<String, Object> m =
                    Json.JSON.readValue(
                            dir.resolve("summary.json").toFile(),
                            new com.fasterxml.jackson.core.type.TypeReference<
                                    Map<String, Object>>() {});
            Map<String, Object> extra = new java.util.LinkedHashMap<>(m);
            return new RunSummary(
                    (String) m.get("method"),
                    (String) m.get("model"),
                    (String) m.get("dataset"),
                    num(m, "test_accuracy"),
                    num(m, "test_loss"),
                    num(m, "sparsity"),
                    (long) num(m, "params"),
                    (long) num(m, "nonzero_params"),
                    num(m, "train_flops"),
                    num(m, "dense_train_flops"),
                    (long) num(m, "inference_flops"),
                    num(m, "wall_seconds"),
                    (int) num(m, "epochs"),
                    (long) num(m, "seed"),
                    extra);
        } catch (java.io.IOException e) {
            throw new dev.sprig.SprigException(
                    "cannot read the summary in " + dir + ": " + e.getMessage());
        }
    }

    private static double num(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof Number n)) {
            throw new dev.sprig.SprigException("summary lacks " + key);
        }
        return n.doubleValue();
    }
}
