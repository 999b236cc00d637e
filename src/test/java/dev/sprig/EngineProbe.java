package dev.sprig;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** Child-process entry point of {@link OfflineEngineTest}: starts the engine and computes. */
public final class EngineProbe {
    private EngineProbe() {}

    public static void main(String[] args) {
        try (NDManager m = NDManager.newBaseManager(Sprig.device("auto"))) {
            NDArray a = m.ones(new ai.djl.ndarray.types.Shape(64, 64));
            System.out.println(
                    "probe-ok "
                            + a.matMul(a).sum().getFloat()
                            + " "
                            + Sprig.engine().getEngineName());
        }
    }
}
