package dev.sprig.epi;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.sprig.SprigException;
import dev.sprig.models.LayerKind;
import dev.sprig.models.LayerSpec;
import dev.sprig.train.Json;
import dev.sprig.train.RunFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Forward latency of a thinned network, read from per-layer look-up tables measured once on the
 * device that will train it (the EPI paper's latency budget). FLOPs mispredict real time: a narrow
 * convolution leaves vector units idle and memory traffic does not shrink with the multiply count,
 * so the only honest latency budget is one timed on the hardware.
 *
 * <p>Each prunable layer is timed alone on a small grid of input and output widths (1, a quarter, a
 * half, three quarters and all of its channels, only along the dimensions that pruning can change);
 * the latency of any architecture is the sum over layers of the bilinear interpolation at its
 * widths. A convolution is timed with the batch norm and ReLU that follow it in every zoo model.
 * Timing noise can make a thinner cell look slower than a wider one, which would break the budget's
 * bisection; the grid is therefore made non-decreasing along both axes (running maximum), the same
 * assumption every latency-aware pruning method makes.
 *
 * <p>The table is written to the run folder and read back on resume, so a resumed run chooses the
 * same sub-networks as the uninterrupted one.
 */
public final class LatencyTable {
    /** Times one layer at the shape its spec gives, in seconds per forward pass. */
    @FunctionalInterface
    public interface LayerTimer {
        /**
         * @param layer the layer, with the widths to time
         * @return seconds per forward pass of one batch
         */
        double seconds(LayerSpec layer);
    }

    /**
     * One layer's measurements.
     *
     * @param ins input widths timed, ascending
     * @param outs output widths timed, ascending
     * @param seconds seconds[i][o] at ins[i], outs[o]
     */
    public record Grid(int[] ins, int[] outs, double[][] seconds) {
        double at(int in, int out) {
            int i = lower(ins, in);
            int o = lower(outs, out);
            double ti = fraction(ins, i, in);
            double to = fraction(outs, o, out);
            int i1 = Math.min(i + 1, ins.length - 1);
            int o1 = Math.min(o + 1, outs.length - 1);
            double low = seconds[i][o] * (1 - to) + seconds[i][o1] * to;
            double high = seconds[i1][o] * (1 - to) + seconds[i1][o1] * to;
            return low * (1 - ti) + high * ti;
        }

        private static int lower(int[] points, int v) {
            int k = 0;
            while (k + 1 < points.length && points[k + 1] <= v) {
                k++;
            }
            return k;
        }

        private static double fraction(int[] points, int k, int v) {
            if (k + 1 >= points.length || v <= points[k]) {
                return 0;
            }
            return (double) (v - points[k]) / (points[k + 1] - points[k]);
        }
    }

    private final Map<String, Grid> layers;

    /**
     * Creates a table from measurements.
     *
     * @param layers grid per layer name
     */
    public LatencyTable(Map<String, Grid> layers) {
        this.layers = Map.copyOf(layers);
    }

    /**
     * @return the grids by layer name
     */
    public Map<String, Grid> layers() {
        return layers;
    }

    /**
     * Measures a table.
     *
     * @param full the full network's layers
     * @param narrowest the same network with every prunable width at 1: a dimension equal in both
     *     never changes and is timed at one width only
     * @param timer how to time one layer
     * @return the table
     */
    public static LatencyTable measure(
            List<LayerSpec> full, List<LayerSpec> narrowest, LayerTimer timer) {
        Map<String, LayerSpec> thin = new LinkedHashMap<>();
        narrowest.forEach(l -> thin.put(l.name(), l));
        Map<String, Grid> grids = new LinkedHashMap<>();
        for (LayerSpec layer : full) {
            if (!layer.kind().isPrunable()) {
                continue;
            }
            LayerSpec narrow = thin.getOrDefault(layer.name(), layer);
            boolean depthwise = layer.groups() > 1;
            int[] ins =
                    depthwise
                            ? new int[] {layer.inChannels()}
                            : points(narrow.inChannels(), layer.inChannels());
            int[] outs = points(narrow.outChannels(), layer.outChannels());
            double[][] s = new double[ins.length][outs.length];
            for (int i = 0; i < ins.length; i++) {
                for (int o = 0; o < outs.length; o++) {
                    int in = depthwise ? outs[o] : ins[i];
                    s[i][o] = timer.seconds(resized(layer, in, outs[o], depthwise ? outs[o] : 1));
                }
            }
            monotone(s);
            grids.put(layer.name(), new Grid(ins, outs, s));
        }
        return new LatencyTable(grids);
    }

    /**
     * Predicts the forward latency of an architecture.
     *
     * @param layers its layers (thinned widths)
     * @return seconds per forward pass of one batch
     */
    public double seconds(List<LayerSpec> layers) {
        double total = 0;
        for (LayerSpec l : layers) {
            Grid g = this.layers.get(l.name());
            if (g != null) {
                total += g.at(l.inChannels(), l.outChannels());
            }
        }
        return total;
    }

    /**
     * Writes the table atomically.
     *
     * @param file target
     */
    public void write(Path file) {
        RunFolder.writeAtomic(file, Json.pretty(layers));
    }

    /**
     * Reads a table written by {@link #write}.
     *
     * @param file the file
     * @return the table
     */
    public static LatencyTable read(Path file) {
        try {
            Map<String, Grid> grids =
                    Json.JSON.readValue(
                            Files.readString(file), new TypeReference<Map<String, Grid>>() {});
            return new LatencyTable(grids);
        } catch (IOException | RuntimeException e) {
            throw new SprigException("cannot read latency table " + file + ": " + e.getMessage());
        }
    }

    private static int[] points(int narrow, int full) {
        if (narrow == full) {
            return new int[] {full};
        }
        TreeSet<Integer> p = new TreeSet<>();
        p.add(Math.max(1, narrow));
        for (int q = 1; q <= 4; q++) {
            p.add(Math.max(narrow, (int) Math.ceil(full * q / 4.0)));
        }
        return p.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void monotone(double[][] s) {
        for (int i = 0; i < s.length; i++) {
            for (int o = 0; o < s[i].length; o++) {
                if (i > 0) {
                    s[i][o] = Math.max(s[i][o], s[i - 1][o]);
                }
                if (o > 0) {
                    s[i][o] = Math.max(s[i][o], s[i][o - 1]);
                }
            }
        }
    }

    private static LayerSpec resized(LayerSpec l, int in, int out, int groups) {
        return new LayerSpec(
                l.name(),
                l.kind(),
                in,
                out,
                l.kernel(),
                l.stride(),
                groups,
                l.inHeight(),
                l.inWidth(),
                l.outHeight(),
                l.outWidth(),
                l.bias());
    }

    /**
     * Times layers with the engine on a device: one batch through the layer, the median of {@code
     * repeats} passes after two warm-up passes, in inference mode. Reading one value back makes the
     * time include the device's queued work (CUDA runs asynchronously).
     */
    public static final class EngineTimer implements LayerTimer {
        private final Device device;
        private final int batch;
        private final int repeats;

        /**
         * @param device device to time on
         * @param batch examples per forward pass (the training batch size)
         * @param repeats timed passes per cell
         */
        public EngineTimer(Device device, int batch, int repeats) {
            this.device = device;
            this.batch = batch;
            this.repeats = repeats;
        }

        @Override
        public double seconds(LayerSpec l) {
            try (NDManager manager = NDManager.newBaseManager(device)) {
                SequentialBlock block = new SequentialBlock();
                Shape input;
                if (l.kind() == LayerKind.CONV) {
                    int pad =
                            Math.max(
                                    0,
                                    ((l.outHeight() - 1) * l.stride()
                                                    + l.kernel()
                                                    - l.inHeight()
                                                    + 1)
                                            / 2);
                    block.add(
                            Conv2d.builder()
                                    .setKernelShape(new Shape(l.kernel(), l.kernel()))
                                    .optStride(new Shape(l.stride(), l.stride()))
                                    .optPadding(new Shape(pad, pad))
                                    .optGroups(l.groups())
                                    .setFilters(l.outChannels())
                                    .optBias(l.bias())
                                    .build());
                    block.add(BatchNorm.builder().build());
                    block.add(Activation.reluBlock());
                    input = new Shape(batch, l.inChannels(), l.inHeight(), l.inWidth());
                } else {
                    block.add(Linear.builder().setUnits(l.outChannels()).optBias(l.bias()).build());
                    input = new Shape(batch, l.inChannels());
                }
                block.setInitializer(new NormalInitializer(0.05f), ai.djl.nn.Parameter.Type.WEIGHT);
                block.initialize(manager, DataType.FLOAT32, input);
                NDArray x = manager.randomNormal(input);
                ParameterStore store = new ParameterStore(manager, false);
                double[] t = new double[repeats];
                for (int r = -2; r < repeats; r++) {
                    long start = System.nanoTime();
                    try (NDManager step = manager.newSubManager()) {
                        NDList out = block.forward(store, new NDList(x), false);
                        out.singletonOrThrow().get(0).toFloatArray();
                        out.attach(step);
                    }
                    if (r >= 0) {
                        t[r] = (System.nanoTime() - start) / 1e9;
                    }
                }
                Arrays.sort(t);
                return t[repeats / 2];
            }
        }
    }
}
