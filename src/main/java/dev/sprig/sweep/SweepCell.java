package dev.sprig.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * One run of a grid: its folder name, the grid values that make it, and its fully resolved config
 * (YAML, the text its {@code config.yaml} will hold), which is all a worker needs to train it.
 *
 * @param name the run folder's name under the sweep's output
 * @param values the grid's value for each axis
 * @param configYaml the resolved config
 */
public record SweepCell(String name, Map<String, JsonNode> values, String configYaml) {
    /**
     * Returns the cell's group: its values less the seed, so that seeds of one setting are averaged
     * together.
     *
     * @return e.g. {@code method=rigl sparsity=0.9}
     */
    public String group() {
        StringBuilder sb = new StringBuilder();
        values.forEach(
                (k, v) -> {
                    if (!k.equals("seed")) {
                        sb.append(sb.length() == 0 ? "" : " ")
                                .append(k)
                                .append('=')
                                .append(v.asText());
                    }
                });
        return sb.length() == 0 ? "all" : sb.toString();
    }
}
