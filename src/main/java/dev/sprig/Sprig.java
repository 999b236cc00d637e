package dev.sprig;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.Locale;

/**
 * Process-wide set-up of the compute engine.
 *
 * <p>Sprig never makes a network request. DJL's engine start-up otherwise contacts a cloud metadata
 * address and may try to download a native library, so {@link #engine()} sets {@code
 * ai.djl.offline} and {@code OPT_OUT_TRACKING} before the first engine call. Every entry point
 * (command line, tests, benchmarks) obtains the engine through this class.
 */
public final class Sprig {
    /** Sprig's version, written into every run's provenance. */
    public static final String VERSION = "0.1.0";

    private Sprig() {}

    /** Forces offline mode and opts out of usage tracking. Idempotent; safe before any DJL call. */
    public static void forceOffline() {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
    }

    /**
     * Returns the engine, started offline.
     *
     * @return the default DJL engine (PyTorch)
     */
    public static Engine engine() {
        forceOffline();
        return Engine.getInstance();
    }

    /**
     * Sets the engine's intra-op thread count for this process, the engine already started (its
     * start reads {@code ai.djl.pytorch.num_threads} once, so a second run of a JVM with another
     * {@code threads} setting would otherwise keep the first's).
     *
     * @param threads intra-op threads
     */
    public static void engineThreads(int threads) {
        if (!"PyTorch".equals(engine().getEngineName())) {
            return;
        }
        // The PyTorch engine is a runtime dependency (compiled against DJL's API only), so its
        // thread setter is reached by name.
        try {
            Class<?> jni = Class.forName("ai.djl.pytorch.jni.JniUtils");
            int now = (Integer) jni.getMethod("getNumThreads").invoke(null);
            if (now != threads) {
                jni.getMethod("setNumThreads", int.class).invoke(null, threads);
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot set the engine's threads: " + e, e);
        }
    }

    /**
     * Resolves a device name from the command line or a config.
     *
     * <p>{@code null} or {@code "auto"} picks the engine's default, which is the first GPU when one
     * is visible and the CPU otherwise: Sprig never hard-codes the CPU.
     *
     * @param name {@code auto}, {@code cpu}, {@code gpu} or {@code gpu:N}
     * @return the device
     * @throws SprigException when the name is not understood or the GPU does not exist
     */
    public static Device device(String name) {
        Engine engine = engine();
        if (name == null || name.isBlank() || name.equalsIgnoreCase("auto")) {
            return engine.defaultDevice();
        }
        String n = name.trim().toLowerCase(Locale.ROOT);
        Device device;
        if (n.equals("cpu")) {
            device = Device.cpu();
        } else if (n.equals("gpu") || n.equals("cuda")) {
            device = Device.gpu();
        } else if (n.startsWith("gpu:") || n.startsWith("cuda:")) {
            String idx = n.substring(n.indexOf(':') + 1);
            try {
                device = Device.gpu(Integer.parseInt(idx));
            } catch (NumberFormatException e) {
                throw new SprigException("device must be cpu, gpu or gpu:N, got '" + name + "'");
            }
        } else {
            throw new SprigException("device must be auto, cpu, gpu or gpu:N, got '" + name + "'");
        }
        if (device.isGpu() && device.getDeviceId() >= engine.getGpuCount()) {
            throw new SprigException(
                    "device "
                            + name
                            + " requested but the engine sees "
                            + engine.getGpuCount()
                            + " GPU(s); build with -Pcuda on a CUDA machine or use --device cpu");
        }
        return device;
    }
}
