package dev.sprig.models;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Builds a DJL {@link SequentialBlock} while tracking shapes and recording a {@link LayerSpec} per
 * conv, linear, batch-norm and pooling layer.
 *
 * <p>Keeping the description next to the construction means a model is declared once: its FLOPs,
 * its prunable weights and their stable names all follow from the same calls that create the
 * engine's blocks, and cannot disagree with them.
 */
public final class NetBuilder {
    private final List<LayerSpec> specs;
    private final List<NetOp> ops = new ArrayList<>();
    private final SequentialBlock block = new SequentialBlock();
    private int channels;
    private int height;
    private int width;
    private boolean flat;
    private final Map<String, Integer> widths;
    private java.util.function.UnaryOperator<ai.djl.ndarray.NDArray> activationQuantizer;

    /**
     * Starts a network for inputs of shape (C, H, W).
     *
     * @param channels C
     * @param height H
     * @param width W
     */
    public NetBuilder(int channels, int height, int width) {
        this(new ArrayList<>(), channels, height, width, false, Map.of());
    }

    /**
     * Starts a network whose named convolutions get other output widths than the architecture says:
     * how channel surgery builds the thinner network of a ticket, with every consumer's input width
     * following automatically.
     *
     * @param channels C
     * @param height H
     * @param width W
     * @param widths output channels by convolution name (others keep theirs)
     */
    public NetBuilder(int channels, int height, int width, Map<String, Integer> widths) {
        this(new ArrayList<>(), channels, height, width, false, Map.copyOf(widths));
    }

    private NetBuilder(
            List<LayerSpec> specs,
            int channels,
            int height,
            int width,
            boolean flat,
            Map<String, Integer> widths) {
        this.widths = widths;
        this.specs = specs;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.flat = flat;
    }

    /**
     * Returns the current number of channels (features once flattened).
     *
     * @return channels
     */
    public int channels() {
        return channels;
    }

    /**
     * Returns the current height.
     *
     * @return height
     */
    public int height() {
        return height;
    }

    /**
     * Adds a square convolution without bias (a batch norm usually follows).
     *
     * @param name stable name
     * @param out output channels
     * @param kernel kernel side
     * @param stride stride
     * @param pad zero padding on each side
     * @return this builder
     */
    public NetBuilder conv(String name, int out, int kernel, int stride, int pad) {
        return conv(name, out, kernel, stride, pad, 1, false);
    }

    /**
     * Adds a square convolution.
     *
     * @param name stable name
     * @param out output channels
     * @param kernel kernel side
     * @param stride stride
     * @param pad zero padding
     * @param groups groups (channels for depthwise)
     * @param bias whether to add a bias
     * @return this builder
     */
    public NetBuilder conv(
            String name,
            int requestedOut,
            int kernel,
            int stride,
            int pad,
            int groups,
            boolean bias) {
        requireSpatial(name);
        int out = widths.getOrDefault(name, requestedOut);
        if (out < 1) {
            throw new IllegalArgumentException(name + ": width must be at least 1, got " + out);
        }
        if (channels % groups != 0 || out % groups != 0) {
            throw new IllegalArgumentException(
                    name + ": channels not divisible by groups " + groups);
        }
        int oh = (height + 2 * pad - kernel) / stride + 1;
        int ow = (width + 2 * pad - kernel) / stride + 1;
        if (oh <= 0 || ow <= 0) {
            throw new IllegalArgumentException(
                    name
                            + ": input "
                            + height
                            + "x"
                            + width
                            + " is too small for a "
                            + kernel
                            + "x"
                            + kernel
                            + " kernel");
        }
        block.add(
                Conv2d.builder()
                        .setKernelShape(new Shape(kernel, kernel))
                        .optStride(new Shape(stride, stride))
                        .optPadding(new Shape(pad, pad))
                        .optGroups(groups)
                        .setFilters(out)
                        .optBias(bias)
                        .build());
        LayerSpec spec =
                new LayerSpec(
                        name,
                        LayerKind.CONV,
                        channels,
                        out,
                        kernel,
                        stride,
                        groups,
                        height,
                        width,
                        oh,
                        ow,
                        bias);
        specs.add(spec);
        ops.add(new NetOp.Conv(spec, pad));
        channels = out;
        height = oh;
        width = ow;
        return this;
    }

    /**
     * Adds batch normalisation over the current channels.
     *
     * @param name stable name
     * @return this builder
     */
    public NetBuilder bn(String name) {
        block.add(BatchNorm.builder().build());
        LayerSpec spec =
                new LayerSpec(
                        name,
                        LayerKind.BATCH_NORM,
                        channels,
                        channels,
                        1,
                        1,
                        1,
                        height,
                        width,
                        height,
                        width,
                        false);
        specs.add(spec);
        ops.add(new NetOp.BatchNorm(spec));
        return this;
    }

    /**
     * Adds a ReLU.
     *
     * @return this builder
     */
    public NetBuilder relu() {
        addReluBlocks();
        ops.add(new NetOp.Relu());
        return this;
    }

    private void addReluBlocks() {
        block.add(Activation.reluBlock());
        if (activationQuantizer != null) {
            java.util.function.UnaryOperator<ai.djl.ndarray.NDArray> q = activationQuantizer;
            block.add(
                    new ai.djl.nn.LambdaBlock(
                            list -> new NDList(q.apply(list.singletonOrThrow()))));
        }
    }

    /**
     * Makes every later {@link #relu()} quantise its output (low-precision training). Call it on
     * the root builder before adding layers; residual branches inherit it.
     *
     * @param quantizer maps an activation to its quantised value (with a straight-through gradient)
     * @return this builder
     */
    public NetBuilder quantizeActivations(
            java.util.function.UnaryOperator<ai.djl.ndarray.NDArray> quantizer) {
        this.activationQuantizer = quantizer;
        return this;
    }

    /**
     * Adds max pooling.
     *
     * @param kernel window side
     * @param stride stride
     * @param pad padding
     * @return this builder
     */
    public NetBuilder maxPool(int kernel, int stride, int pad) {
        requireSpatial("max pool");
        int oh = (height + 2 * pad - kernel) / stride + 1;
        int ow = (width + 2 * pad - kernel) / stride + 1;
        block.add(
                Pool.maxPool2dBlock(
                        new Shape(kernel, kernel), new Shape(stride, stride), new Shape(pad, pad)));
        ops.add(new NetOp.MaxPool(kernel, stride, pad));
        specs.add(
                new LayerSpec(
                        "pool" + specs.size(),
                        LayerKind.MAX_POOL,
                        channels,
                        channels,
                        kernel,
                        stride,
                        1,
                        height,
                        width,
                        oh,
                        ow,
                        false));
        height = oh;
        width = ow;
        return this;
    }

    /**
     * Adds global average pooling and flattens to (N, C).
     *
     * @return this builder
     */
    public NetBuilder globalAvgPool() {
        requireSpatial("global pool");
        block.add(Pool.globalAvgPool2dBlock());
        ops.add(new NetOp.GlobalAvgPool());
        specs.add(
                new LayerSpec(
                        "gap" + specs.size(),
                        LayerKind.GLOBAL_AVG_POOL,
                        channels,
                        channels,
                        height,
                        1,
                        1,
                        height,
                        width,
                        1,
                        1,
                        false));
        height = 1;
        width = 1;
        flat = true;
        return this;
    }

    /**
     * Flattens (N, C, H, W) to (N, C·H·W).
     *
     * @return this builder
     */
    public NetBuilder flatten() {
        if (!flat) {
            block.add(Blocks.batchFlattenBlock());
            ops.add(new NetOp.Flatten());
            channels = channels * height * width;
            height = 1;
            width = 1;
            flat = true;
        }
        return this;
    }

    /**
     * Adds a fully connected layer (flattening first if needed).
     *
     * @param name stable name
     * @param out output features
     * @return this builder
     */
    public NetBuilder linear(String name, int out) {
        flatten();
        block.add(Linear.builder().setUnits(out).optBias(true).build());
        LayerSpec spec =
                new LayerSpec(name, LayerKind.LINEAR, channels, out, 1, 1, 1, 1, 1, 1, 1, true);
        specs.add(spec);
        ops.add(new NetOp.Linear(spec));
        channels = out;
        return this;
    }

    /**
     * Adds a residual block: {@code main(x) + shortcut(x)}, optionally followed by a ReLU.
     *
     * @param main builds the main branch from a builder at the current shape
     * @param shortcut builds the shortcut branch, or null for identity
     * @param reluAfter whether a ReLU follows the sum (post-activation ResNets)
     * @return this builder
     */
    public NetBuilder residual(
            UnaryOperator<NetBuilder> main, UnaryOperator<NetBuilder> shortcut, boolean reluAfter) {
        requireSpatial("residual");
        NetBuilder mainStart = new NetBuilder(specs, channels, height, width, false, widths);
        mainStart.activationQuantizer = activationQuantizer;
        NetBuilder m = main.apply(mainStart);
        NetBuilder s = new NetBuilder(specs, channels, height, width, false, widths);
        s.activationQuantizer = activationQuantizer;
        Block shortcutBlock;
        List<NetOp> shortcutOps = List.of();
        if (shortcut == null) {
            shortcutBlock = Blocks.identityBlock();
        } else {
            s = shortcut.apply(s);
            shortcutBlock = s.block;
            shortcutOps = s.ops;
        }
        if (m.channels != s.channels || m.height != s.height || m.width != s.width) {
            throw new IllegalArgumentException(
                    "residual branches disagree: "
                            + m.channels
                            + "x"
                            + m.height
                            + "x"
                            + m.width
                            + " vs "
                            + s.channels
                            + "x"
                            + s.height
                            + "x"
                            + s.width);
        }
        block.add(
                new ParallelBlock(
                        list ->
                                new NDList(
                                        list.get(0)
                                                .singletonOrThrow()
                                                .add(list.get(1).singletonOrThrow())),
                        List.of(m.block, shortcutBlock)));
        channels = m.channels;
        height = m.height;
        width = m.width;
        ops.add(new NetOp.Residual(m.ops, shortcutOps, reluAfter));
        if (reluAfter) {
            addReluBlocks();
        }
        return this;
    }

    /**
     * Returns the built block.
     *
     * @return the sequential block
     */
    public SequentialBlock block() {
        return block;
    }

    /**
     * Returns the recorded forward computation (low-precision activation rounding left out: it is a
     * training device).
     *
     * @return the ops, in order
     */
    public List<NetOp> ops() {
        return List.copyOf(ops);
    }

    /**
     * Returns the recorded layer specs, in parameter order.
     *
     * @return specs
     */
    public List<LayerSpec> specs() {
        return List.copyOf(specs);
    }

    private void requireSpatial(String what) {
        if (flat) {
            throw new IllegalStateException(what + " after flatten");
        }
    }
}
