package dev.sprig.models;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;

/**
 * One parameter of a model under its stable name ({@code <layer>.<role>}).
 *
 * @param name stable name, e.g. {@code fc1.weight} or {@code layer1.0.bn1.gamma}
 * @param role what the parameter is
 * @param layer the layer it belongs to
 * @param parameter the engine's parameter, whose array lives on the model's manager
 */
public record NamedParameter(
        String name, ParameterRole role, LayerSpec layer, Parameter parameter) {
    /**
     * Returns the current value. The array is owned by the model; do not close it.
     *
     * @return the parameter array
     */
    public NDArray array() {
        return parameter.getArray();
    }

    /**
     * Returns the number of elements.
     *
     * @return element count
     */
    public long size() {
        return parameter.getArray().size();
    }
}
