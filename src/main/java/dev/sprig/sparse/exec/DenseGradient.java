package dev.sprig.sparse.exec;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * The dense weight gradient {@code dOut · inᵀ} of a layer, a block of rows at a time, computed by
 * the engine's matrix product: RigL needs it only on update steps and SNFS on every step, and a
 * dense GEMM is exactly what the engine already does well.
 */
final class DenseGradient implements dev.sprig.sparse.GrowCriterion.RowScores, WeightGradient {
    private final NDManager manager;
    private final NDArray inputT;
    private final float[] dOut;
    private final int batch;
    private final int cols;

    /**
     * Prepares the product for one layer.
     *
     * @param device where the engine computes
     * @param in layer input, {@code cols × batch}
     * @param dOut gradient at the layer output, {@code rows × batch}
     * @param cols input features
     * @param batch batch size
     */
    DenseGradient(Device device, float[] in, float[] dOut, int cols, int batch) {
        this.manager = NDManager.newBaseManager(device);
        this.inputT =
                manager.create(Arrays.copyOf(in, cols * batch), new Shape(cols, batch)).transpose();
        this.dOut = dOut;
        this.batch = batch;
        this.cols = cols;
    }

    @Override
    public float[] rows(int from, int to) {
        try (NDManager step = manager.newSubManager()) {
            NDArray a =
                    step.create(
                            Arrays.copyOfRange(dOut, from * batch, to * batch),
                            new Shape(to - from, batch));
            return a.matMul(inputT).toFloatArray();
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
