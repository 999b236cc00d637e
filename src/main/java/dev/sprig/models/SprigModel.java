package dev.sprig.models;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.sprig.SeedStream;
import dev.sprig.SprigException;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A network from Sprig's model zoo: the engine's block plus the description of every layer and a
 * stable name for every parameter.
 *
 * <p>Weights are initialised from the run seed in Java (Kaiming-normal, fan-out, for convolutions
 * as in the authors' VGG/ResNet code; PyTorch's default uniform ±1/√fan-in for linear layers), not
 * by the engine's random generator, so the same seed gives the same network on CPU and GPU. The
 * model owns its manager: close the model to free its arrays.
 */
public final class SprigModel implements AutoCloseable {
    private final String architecture;
    private final Block block;
    private final List<LayerSpec> layers;
    private final List<NetOp> ops;
    private final Shape inputShape;
    private final int classes;
    private final NDManager manager;
    private final ParameterStore store;
    private final Map<String, NamedParameter> parameters = new LinkedHashMap<>();
    private final double widthMultiplier;
    private final Map<String, Integer> channelWidths;
    private final Blueprint blueprint;

    SprigModel(
            String architecture,
            NetBuilder net,
            int channels,
            int size,
            int classes,
            double widthMultiplier,
            Map<String, Integer> channelWidths,
            Device device,
            Blueprint blueprint) {
        this.architecture = architecture;
        this.blueprint = blueprint;
        this.widthMultiplier = widthMultiplier;
        this.channelWidths = Map.copyOf(channelWidths);
        this.block = net.block();
        this.layers = net.specs();
        this.ops = net.ops();
        this.inputShape = new Shape(1, channels, size, size);
        this.classes = classes;
        this.manager = NDManager.newBaseManager(device);
        block.initialize(manager, DataType.FLOAT32, inputShape);
        this.store = new ParameterStore(manager, false);
        nameParameters();
    }

    private SprigModel(
            String architecture,
            Block block,
            int channels,
            int size,
            int classes,
            Device device,
            Blueprint blueprint,
            Map<String, Integer> channelWidths) {
        this.architecture = architecture;
        this.blueprint = blueprint;
        this.widthMultiplier = 1.0;
        this.channelWidths = Map.copyOf(channelWidths);
        this.block = block;
        this.inputShape = new Shape(1, channels, size, size);
        this.classes = classes;
        this.manager = NDManager.newBaseManager(device);
        block.initialize(manager, DataType.FLOAT32, inputShape);
        this.store = new ParameterStore(manager, false);
        List<LayerSpec> specs = new java.util.ArrayList<>();
        List<NetOp> netOps = new java.util.ArrayList<>();
        Shape out = describe(block, inputShape, specs, netOps, new int[3]);
        if (out.get(out.dimension() - 1) != classes) {
            manager.close();
            throw new IllegalArgumentException(
                    architecture
                            + " ends in "
                            + out.get(out.dimension() - 1)
                            + " outputs, not "
                            + classes
                            + " classes");
        }
        this.layers = List.copyOf(specs);
        this.ops = List.copyOf(netOps);
        nameParameters();
    }

    /** A model whose layers are declared by its block rather than discovered by walking it. */
    private SprigModel(
            String architecture,
            Block block,
            List<LayerSpec> specs,
            Shape inputShape,
            int classes,
            double widthMultiplier,
            Device device) {
        this.architecture = architecture;
        this.blueprint = null;
        this.widthMultiplier = widthMultiplier;
        this.channelWidths = Map.of();
        this.block = block;
        this.layers = List.copyOf(specs);
        this.ops = List.of();
        this.inputShape = inputShape;
        this.classes = classes;
        this.manager = NDManager.newBaseManager(device);
        block.initialize(manager, DataType.FLOAT32, inputShape);
        this.store = new ParameterStore(manager, false);
        nameParameters();
    }

    /**
     * A recurrent language model of the zoo ({@code gru-H-L}, {@code lstm-H-L}) for windows of
     * {@code steps} tokens, initialised from the seed.
     *
     * @param name model name
     * @param vocabulary tokens (also the classes)
     * @param steps tokens per window
     * @param widthMultiplier scales the hidden width
     * @param device device
     * @param seed initialisation seed
     * @return the model; close it
     */
    static SprigModel recurrent(
            String name,
            int vocabulary,
            int steps,
            double widthMultiplier,
            Device device,
            long seed) {
        RecurrentLm block = RecurrentLm.of(name, vocabulary, widthMultiplier);
        SprigModel m =
                new SprigModel(
                        name.trim().toLowerCase(java.util.Locale.ROOT),
                        block,
                        block.specs(steps),
                        new Shape(1, steps),
                        vocabulary,
                        widthMultiplier,
                        device);
        m.initialize(seed, 1f);
        return m;
    }

    /**
     * Runs the block on several inputs and returns all its outputs (a recurrent model's logits and
     * states).
     *
     * @param inputs the inputs
     * @param training whether gradients are recorded
     * @return the outputs
     */
    public NDList forwardAll(NDList inputs, boolean training) {
        return block.forward(store, inputs, training);
    }

    /**
     * Wraps a network defined outside the model zoo, so that every Sprig method can train it. Sprig
     * reads its layers by walking it: sequential blocks of 2-D convolutions, linear layers, batch
     * norms and parameter-free blocks (activations, pooling, flattening, lambdas). Other blocks
     * with parameters (residual branches, recurrent cells) are refused with a message: their
     * channel couplings and costs would have to be declared by hand.
     *
     * @param name a name for logs and summaries
     * @param block the network (it is (re)initialised on the device)
     * @param channels input channels
     * @param size input height and width
     * @param classes outputs of the last layer
     * @param device device
     * @return the model; close it
     * @throws IllegalArgumentException for an unsupported block
     */
    public static SprigModel wrap(
            String name, Block block, int channels, int size, int classes, Device device) {
        return new SprigModel(name, block, channels, size, classes, device, null, Map.of());
    }

    /** Wraps a block its blueprint built with some convolutions narrowed. */
    static SprigModel wrap(
            String name,
            Block block,
            int channels,
            int size,
            int classes,
            Device device,
            Blueprint blueprint,
            Map<String, Integer> widths) {
        return new SprigModel(name, block, channels, size, classes, device, blueprint, widths);
    }

    /**
     * Returns what the model was built from, so a narrower copy can be built.
     *
     * @return the blueprint
     * @throws IllegalStateException for a block wrapped directly (give {@link Blueprint#wrapped} a
     *     supplier of fresh blocks to prune one)
     */
    public Blueprint blueprint() {
        if (blueprint == null) {
            throw new IllegalStateException(
                    architecture
                            + " was wrapped from one block instance; structured pruning"
                            + " needs Blueprint.wrapped with a supplier of fresh blocks");
        }
        return blueprint;
    }

    private static Shape describe(
            Block b, Shape in, List<LayerSpec> out, List<NetOp> ops, int[] counters) {
        if (b instanceof ai.djl.nn.SequentialBlock seq) {
            Shape s = in;
            for (Block child : seq.getChildren().values()) {
                s = describe(child, s, out, ops, counters);
            }
            return s;
        }
        Shape o = b.getOutputShapes(new Shape[] {in})[0];
        if (b instanceof ai.djl.nn.convolutional.Conv2d c) {
            String name = "conv" + ++counters[0];
            out.add(
                    new LayerSpec(
                            name,
                            LayerKind.CONV,
                            (int) in.get(1),
                            c.getFilters(),
                            (int) c.getKernelShape().get(0),
                            (int) c.getStride().get(0),
                            c.getGroups(),
                            (int) in.get(2),
                            (int) in.get(3),
                            (int) o.get(2),
                            (int) o.get(3),
                            c.isIncludeBias()));
            ops.add(new NetOp.Conv(out.get(out.size() - 1), (int) c.getPadding().get(0)));
        } else if (b instanceof ai.djl.nn.core.Linear) {
            String name = "fc" + ++counters[1];
            boolean bias = b.getParameters().keys().stream().anyMatch(k -> k.contains("bias"));
            out.add(
                    new LayerSpec(
                            name,
                            LayerKind.LINEAR,
                            (int) in.get(in.dimension() - 1),
                            (int) o.get(o.dimension() - 1),
                            1,
                            1,
                            1,
                            1,
                            1,
                            1,
                            1,
                            bias));
            ops.add(new NetOp.Linear(out.get(out.size() - 1)));
        } else if (b instanceof ai.djl.nn.norm.BatchNorm) {
            String name = "bn" + ++counters[2];
            int h = in.dimension() == 4 ? (int) in.get(2) : 1;
            int w = in.dimension() == 4 ? (int) in.get(3) : 1;
            out.add(
                    new LayerSpec(
                            name,
                            LayerKind.BATCH_NORM,
                            (int) in.get(1),
                            (int) in.get(1),
                            1,
                            1,
                            1,
                            h,
                            w,
                            h,
                            w,
                            false));
            ops.add(new NetOp.BatchNorm(out.get(out.size() - 1)));
        } else if (!b.getParameters().isEmpty()) {
            throw new IllegalArgumentException(
                    "Sprig cannot wrap a "
                            + b.getClass().getSimpleName()
                            + ": supported are sequential"
                            + " blocks of Conv2d, Linear, BatchNorm and parameter-free blocks");
        } else {
            ops.add(new NetOp.Opaque(b.getClass().getSimpleName()));
        }
        return o;
    }

    /** The (layer, role) of each of the block's parameters, in the order the block lists them. */
    private List<Map.Entry<LayerSpec, ParameterRole>> parameterOrder() {
        List<Map.Entry<LayerSpec, ParameterRole>> order = new ArrayList<>();
        if (block instanceof RecurrentLm lm) {
            // The engine lists a recurrent layer's weights before its biases.
            order.add(Map.entry(layers.get(0), ParameterRole.EMBEDDING));
            for (int k = 0; k < lm.layers(); k++) {
                LayerSpec input = layers.get(1 + 2 * k);
                LayerSpec recurrent = layers.get(2 + 2 * k);
                order.add(Map.entry(input, ParameterRole.WEIGHT));
                order.add(Map.entry(recurrent, ParameterRole.WEIGHT));
                order.add(Map.entry(input, ParameterRole.BIAS));
                order.add(Map.entry(recurrent, ParameterRole.BIAS));
            }
            LayerSpec head = layers.get(layers.size() - 1);
            order.add(Map.entry(head, ParameterRole.WEIGHT));
            order.add(Map.entry(head, ParameterRole.BIAS));
            return order;
        }
        for (LayerSpec layer : layers) {
            List<ParameterRole> roles =
                    switch (layer.kind()) {
                        case CONV, LINEAR ->
                                layer.bias()
                                        ? List.of(ParameterRole.WEIGHT, ParameterRole.BIAS)
                                        : List.of(ParameterRole.WEIGHT);
                        case BATCH_NORM ->
                                List.of(
                                        ParameterRole.GAMMA,
                                        ParameterRole.BETA,
                                        ParameterRole.RUNNING_MEAN,
                                        ParameterRole.RUNNING_VAR);
                        case EMBEDDING -> List.of(ParameterRole.EMBEDDING);
                        default -> List.of();
                    };
            roles.forEach(r -> order.add(Map.entry(layer, r)));
        }
        return order;
    }

    private void nameParameters() {
        Iterator<Pair<String, Parameter>> it = block.getParameters().iterator();
        for (Map.Entry<LayerSpec, ParameterRole> slot : parameterOrder()) {
            LayerSpec layer = slot.getKey();
            ParameterRole role = slot.getValue();
            if (!it.hasNext()) {
                throw new IllegalStateException(
                        architecture + ": block has fewer parameters than its specs");
            }
            Parameter p = it.next().getValue();
            if ((role == ParameterRole.WEIGHT || role == ParameterRole.EMBEDDING)
                    && !p.getArray().getShape().equals(new Shape(layer.weightShape()))) {
                throw new IllegalStateException(
                        architecture
                                + ": "
                                + layer.name()
                                + " expects weight "
                                + new Shape(layer.weightShape())
                                + " but the block has "
                                + p.getArray().getShape());
            }
            String name = layer.name() + "." + role.name().toLowerCase(java.util.Locale.ROOT);
            parameters.put(name, new NamedParameter(name, role, layer, p));
        }
        if (it.hasNext()) {
            throw new IllegalStateException(
                    architecture + ": block has more parameters than its specs");
        }
    }

    /**
     * Re-initialises all weights and biases from a seed (batch-norm γ to {@code gammaInit}, β to
     * 0).
     *
     * @param seed the run seed
     * @param gammaInit initial batch-norm scale (1; network slimming and Early-Bird use 0.5)
     */
    public void initialize(long seed, float gammaInit) {
        SeedStream seeds = new SeedStream(seed);
        int index = 0;
        for (NamedParameter p : parameters.values()) {
            index++;
            LayerSpec l = p.layer();
            int n = (int) p.size();
            float[] v = new float[n];
            SplittableRandom r = seeds.derive("init", index);
            switch (p.role()) {
                case WEIGHT -> {
                    if (l.kind() == LayerKind.CONV) {
                        double std =
                                Math.sqrt(
                                        2.0 / ((double) l.outChannels() * l.kernel() * l.kernel()));
                        for (int i = 0; i < n; i++) {
                            v[i] = (float) (r.nextGaussian() * std);
                        }
                    } else {
                        fillUniform(v, r, 1.0 / Math.sqrt(l.inChannels()));
                    }
                }
                case BIAS ->
                        fillUniform(
                                v,
                                r,
                                l.kind() == LayerKind.LINEAR ? 1.0 / Math.sqrt(l.inChannels()) : 0);
                case EMBEDDING -> {
                    // PyTorch's nn.Embedding: N(0, 1).
                    for (int i = 0; i < n; i++) {
                        v[i] = (float) r.nextGaussian();
                    }
                }
                case GAMMA, RUNNING_VAR ->
                        java.util.Arrays.fill(v, p.role() == ParameterRole.GAMMA ? gammaInit : 1f);
                default -> {
                    // beta and running mean start at 0
                }
            }
            HostValues.write(p.array(), v);
        }
    }

    private static void fillUniform(float[] v, SplittableRandom r, double bound) {
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((r.nextDouble() * 2 - 1) * bound);
        }
    }

    /**
     * Runs the network. Outputs are attached to the input's manager.
     *
     * @param images (N, C, H, W) input
     * @param training whether batch norm uses batch statistics (and updates running ones)
     * @return logits (N, classes)
     */
    public NDArray forward(NDArray images, boolean training) {
        return block.forward(store, new NDList(images), training).singletonOrThrow();
    }

    /**
     * Returns the architecture key, e.g. {@code resnet-20}.
     *
     * @return the key
     */
    public String architecture() {
        return architecture;
    }

    /**
     * Returns the forward computation as recorded ops, for exporters and channel coupling.
     *
     * @return the ops; a wrapped network's parameter-free blocks are {@link NetOp.Opaque}
     */
    public List<NetOp> ops() {
        return ops;
    }

    /**
     * Returns the engine block.
     *
     * @return the block
     */
    public Block block() {
        return block;
    }

    /**
     * Returns every layer's description in order.
     *
     * @return layer specs
     */
    public List<LayerSpec> layers() {
        return layers;
    }

    /**
     * Returns all parameters by stable name, in block order.
     *
     * @return unmodifiable map
     */
    public Map<String, NamedParameter> parameters() {
        return Collections.unmodifiableMap(parameters);
    }

    /**
     * Returns the parameters the optimiser updates.
     *
     * @return trainable parameters in block order
     */
    public List<NamedParameter> trainableParameters() {
        return parametersWhere(p -> p.role().trainable());
    }

    /**
     * Returns the conv and linear weights: what unstructured sparsity acts on.
     *
     * @return prunable weights in block order
     */
    public List<NamedParameter> prunableWeights() {
        return parametersWhere(p -> p.role() == ParameterRole.WEIGHT);
    }

    /**
     * Returns the batch-norm scales γ: what Early-Bird's channel masks are drawn from.
     *
     * @return batch-norm γ parameters in block order
     */
    public List<NamedParameter> batchNormScales() {
        return parametersWhere(p -> p.role() == ParameterRole.GAMMA);
    }

    private List<NamedParameter> parametersWhere(
            java.util.function.Predicate<NamedParameter> test) {
        List<NamedParameter> list = new ArrayList<>();
        for (NamedParameter p : parameters.values()) {
            if (test.test(p)) {
                list.add(p);
            }
        }
        return list;
    }

    /**
     * Returns the number of trainable parameters.
     *
     * @return parameter count
     */
    public long parameterCount() {
        long n = 0;
        for (NamedParameter p : trainableParameters()) {
            n += p.size();
        }
        return n;
    }

    /**
     * Returns the width multiplier the model was built with.
     *
     * @return the multiplier
     */
    public double widthMultiplier() {
        return widthMultiplier;
    }

    /**
     * Returns the convolution widths that override the architecture (empty for a full model).
     *
     * @return width by convolution name
     */
    public Map<String, Integer> channelWidths() {
        return channelWidths;
    }

    /**
     * Returns the input shape with batch size 1.
     *
     * @return (1, C, H, W)
     */
    public Shape inputShape() {
        return inputShape;
    }

    /**
     * Returns the number of output classes.
     *
     * @return classes
     */
    public int classes() {
        return classes;
    }

    /**
     * Returns the manager that owns the parameters.
     *
     * @return the model's manager
     */
    public NDManager manager() {
        return manager;
    }

    /**
     * Returns the device the parameters live on.
     *
     * @return the device
     */
    public Device device() {
        return manager.getDevice();
    }

    /**
     * Writes all parameters (running statistics included).
     *
     * @param out the stream
     * @throws IOException on write failure
     */
    public void saveParameters(DataOutputStream out) throws IOException {
        block.saveParameters(out);
    }

    /**
     * Reads parameters written by {@link #saveParameters} for the same architecture.
     *
     * @param in the stream
     * @throws IOException on read failure
     * @throws SprigException when the stored parameters do not fit this architecture
     */
    public void loadParameters(DataInputStream in) throws IOException {
        try {
            block.loadParameters(manager, in);
            // Loading replaces the arrays; the new ones must be trainable again.
            for (NamedParameter p : parameters.values()) {
                if (p.role().trainable()) {
                    p.array().setRequiresGradient(true);
                }
            }
        } catch (MalformedModelException | IllegalArgumentException e) {
            throw new SprigException(
                    "stored parameters do not fit " + architecture + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
