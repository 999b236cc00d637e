package dev.sprig.models;

import ai.djl.Device;
import dev.sprig.SprigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sprig's model zoo, by name.
 *
 * <ul>
 *   <li>{@code lenet-300-100}: the MLP of the RigL and SNFS MNIST experiments.
 *   <li>{@code lenet-5}: the Caffe LeNet-5 (conv 20, conv 50, fc 500) of the SNFS results.
 *   <li>{@code vgg-11|16|19}: CIFAR layout with batch norm and one linear head, as in the
 *       Early-Bird code; global average pooling replaces its final 2×2 average pool so 28×28 inputs
 *       work too.
 *   <li>{@code resnet-20|32|56} (any 6n+2): CIFAR ResNets of He et al.
 *   <li>{@code preresnet-N} (N = 9n+2): bottleneck pre-activation ResNet of network slimming.
 *   <li>{@code wrn-D-K}: wide ResNet, (D−4)/6 pre-activation basic blocks per stage, width K.
 *   <li>{@code resnet-18|34|50}: ImageNet layout (7×7 stem, max pool, four stages).
 *   <li>{@code mobilenet-v1}: depthwise-separable network; the stem stride is 1 for inputs up to 64
 *       pixels so CIFAR-sized images keep spatial extent.
 *   <li>{@code gru-H-L}, {@code lstm-H-L}: character-level language models ({@link RecurrentLm})
 *       for text data sets.
 * </ul>
 *
 * <p>Every model takes any channel count and class count, and a width multiplier that scales every
 * hidden width (useful to fit CPU budgets; 1 reproduces the published architecture).
 */
public final class ModelZoo {
    private static final Pattern RESNET_CIFAR = Pattern.compile("resnet-?(\\d+)");
    private static final Pattern PRERESNET = Pattern.compile("preresnet-?(\\d+)");
    private static final Pattern WRN = Pattern.compile("wrn-?(\\d+)-(\\d+)");

    private ModelZoo() {}

    /**
     * Lists the model names with a one-line description.
     *
     * @return (name, description) pairs
     */
    public static List<String[]> catalogue() {
        List<String[]> list = new ArrayList<>();
        list.add(new String[] {"lenet-300-100", "MLP 300-100 (RigL/SNFS MNIST)"});
        list.add(
                new String[] {
                    "mlp-4096-4096, mlp-H1-H2-...", "MLP with the given hidden widths (ReLU)"
                });
        list.add(new String[] {"lenet-5", "Caffe LeNet-5: conv20-conv50-fc500"});
        list.add(new String[] {"vgg-11, vgg-16, vgg-19", "CIFAR VGG with batch norm (Early-Bird)"});
        list.add(new String[] {"resnet-20, resnet-32, resnet-56", "CIFAR ResNet, any depth 6n+2"});
        list.add(
                new String[] {
                    "preresnet-56, preresnet-101, ...",
                    "bottleneck pre-activation ResNet, depth 9n+2"
                });
        list.add(
                new String[] {"wrn-16-4, wrn-22-2, wrn-28-10, ...", "wide ResNet WRN-depth-width"});
        list.add(new String[] {"resnet-18, resnet-34, resnet-50", "ImageNet-layout ResNet"});
        list.add(new String[] {"mobilenet-v1", "MobileNet v1 (depthwise separable)"});
        list.add(
                new String[] {
                    "gru-H-L, lstm-H-L (gru-256-2, ...)",
                    "character-level language model: embedding, L recurrent layers of width H,"
                            + " projection (RigL's WikiText-103 experiment); needs text:FILE"
                });
        return list;
    }

    /**
     * Builds and initialises a model.
     *
     * @param name model name (see the class documentation)
     * @param channels input channels
     * @param size input height = width
     * @param classes output classes
     * @param widthMultiplier scale of hidden widths, in (0, 4]
     * @param device where the parameters live
     * @param seed initialisation seed
     * @param gammaInit initial batch-norm scale
     * @return the model, owning its manager
     * @throws SprigException for an unknown name or an input too small for the architecture
     */
    public static SprigModel create(
            String name,
            int channels,
            int size,
            int classes,
            double widthMultiplier,
            Device device,
            long seed,
            float gammaInit) {
        return create(
                name,
                channels,
                size,
                classes,
                widthMultiplier,
                java.util.Map.of(),
                device,
                seed,
                gammaInit);
    }

    /**
     * Builds and initialises a model with some convolutions narrowed (a pruned ticket).
     *
     * @param name model name
     * @param channels input channels
     * @param size input height = width
     * @param classes output classes
     * @param widthMultiplier scale of hidden widths
     * @param channelWidths output channels by convolution name, overriding the architecture
     * @param device where the parameters live
     * @param seed initialisation seed
     * @param gammaInit initial batch-norm scale
     * @return the model, owning its manager
     */
    public static SprigModel create(
            String name,
            int channels,
            int size,
            int classes,
            double widthMultiplier,
            java.util.Map<String, Integer> channelWidths,
            Device device,
            long seed,
            float gammaInit) {
        return create(
                name,
                channels,
                size,
                classes,
                widthMultiplier,
                channelWidths,
                null,
                device,
                seed,
                gammaInit);
    }

    /**
     * Builds and initialises a model whose activations are quantised after every ReLU.
     *
     * @param name model name
     * @param channels input channels
     * @param size input height = width
     * @param classes output classes
     * @param widthMultiplier scale of hidden widths
     * @param channelWidths output channels by convolution name, overriding the architecture
     * @param activationQuantizer applied after every ReLU, or null
     * @param device where the parameters live
     * @param seed initialisation seed
     * @param gammaInit initial batch-norm scale
     * @return the model, owning its manager
     */
    public static SprigModel create(
            String name,
            int channels,
            int size,
            int classes,
            double widthMultiplier,
            java.util.Map<String, Integer> channelWidths,
            java.util.function.UnaryOperator<ai.djl.ndarray.NDArray> activationQuantizer,
            Device device,
            long seed,
            float gammaInit) {
        if (!(widthMultiplier > 0 && widthMultiplier <= 4)) {
            throw new SprigException("width multiplier must be in (0, 4], got " + widthMultiplier);
        }
        if (classes < 2) {
            throw new SprigException("a classifier needs at least 2 classes, got " + classes);
        }
        String key = name.trim().toLowerCase(Locale.ROOT);
        if (RecurrentLm.isRecurrent(key)) {
            // A text set is a table of windows of steps + 1 tokens (inputs and the next token).
            if (size != 1 || channels < 2) {
                throw new SprigException(
                        "model "
                                + name
                                + " reads text (--dataset text:FILE), not "
                                + channels
                                + "x"
                                + size
                                + "x"
                                + size
                                + " inputs");
            }
            return SprigModel.recurrent(key, classes, channels - 1, widthMultiplier, device, seed);
        }
        NetBuilder net;
        try {
            net =
                    build(
                            key,
                            new NetBuilder(channels, size, size, channelWidths)
                                    .quantizeActivations(activationQuantizer),
                            classes,
                            widthMultiplier);
            java.util.Set<String> unknown = new java.util.TreeSet<>(channelWidths.keySet());
            net.specs().forEach(l -> unknown.remove(l.name()));
            if (!unknown.isEmpty()) {
                throw new SprigException(
                        "channel_widths names layers that " + name + " does not have: " + unknown);
            }
        } catch (IllegalArgumentException e) {
            throw new SprigException(
                    "model "
                            + name
                            + " does not fit "
                            + channels
                            + "x"
                            + size
                            + "x"
                            + size
                            + " inputs: "
                            + e.getMessage());
        }
        SprigModel model =
                new SprigModel(
                        key,
                        net,
                        channels,
                        size,
                        classes,
                        widthMultiplier,
                        channelWidths,
                        device,
                        blueprint(
                                key,
                                channels,
                                size,
                                classes,
                                widthMultiplier,
                                activationQuantizer));
        model.initialize(seed, gammaInit);
        return model;
    }

    /**
     * Returns the blueprint of a zoo architecture.
     *
     * @param name model name
     * @param channels input channels
     * @param size input height = width
     * @param classes output classes
     * @param widthMultiplier scale of hidden widths
     * @param activationQuantizer applied after every ReLU, or null
     * @return the blueprint
     */
    public static Blueprint blueprint(
            String name,
            int channels,
            int size,
            int classes,
            double widthMultiplier,
            java.util.function.UnaryOperator<ai.djl.ndarray.NDArray> activationQuantizer) {
        return new Blueprint() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public List<NetOp> ops(java.util.Map<String, Integer> widths) {
                String key = name.trim().toLowerCase(Locale.ROOT);
                try {
                    return ModelZoo.build(
                                    key,
                                    new NetBuilder(channels, size, size, widths),
                                    classes,
                                    widthMultiplier)
                            .ops();
                } catch (IllegalArgumentException e) {
                    throw new SprigException(
                            "model "
                                    + name
                                    + " does not fit "
                                    + channels
                                    + "x"
                                    + size
                                    + "x"
                                    + size
                                    + " inputs: "
                                    + e.getMessage());
                }
            }

            @Override
            public SprigModel build(
                    java.util.Map<String, Integer> widths,
                    Device device,
                    long seed,
                    float gammaInit) {
                return create(
                        name,
                        channels,
                        size,
                        classes,
                        widthMultiplier,
                        widths,
                        activationQuantizer,
                        device,
                        seed,
                        gammaInit);
            }
        };
    }

    /**
     * Describes a model's layers without allocating its parameters, for networks too large to build
     * densely (the sparse execution path) and for cost estimates.
     *
     * @param name model name
     * @param channels input channels
     * @param size input height = width
     * @param classes output classes
     * @param widthMultiplier scale of hidden widths
     * @return the layer specs in order
     */
    public static List<LayerSpec> specs(
            String name, int channels, int size, int classes, double widthMultiplier) {
        return specs(name, channels, size, classes, widthMultiplier, java.util.Map.of());
    }

    /**
     * Describes a model's layers with some convolutions narrowed, without allocating parameters
     * (what a pruned architecture would cost).
     *
     * @param name model name
     * @param channels input channels
     * @param size input height = width
     * @param classes output classes
     * @param widthMultiplier scale of hidden widths
     * @param channelWidths output channels by convolution name
     * @return the layer specs in order
     */
    public static List<LayerSpec> specs(
            String name,
            int channels,
            int size,
            int classes,
            double widthMultiplier,
            java.util.Map<String, Integer> channelWidths) {
        String key = name.trim().toLowerCase(Locale.ROOT);
        if (RecurrentLm.isRecurrent(key) && size == 1 && channels >= 2) {
            return RecurrentLm.of(key, classes, widthMultiplier).specs(channels - 1);
        }
        try {
            return build(
                            key,
                            new NetBuilder(channels, size, size, channelWidths),
                            classes,
                            widthMultiplier)
                    .specs();
        } catch (IllegalArgumentException e) {
            throw new SprigException(
                    "model "
                            + name
                            + " does not fit "
                            + channels
                            + "x"
                            + size
                            + "x"
                            + size
                            + " inputs: "
                            + e.getMessage());
        }
    }

    /**
     * Whether a zoo name is a multi-layer perceptron (fully connected layers only), the models a
     * table of features trains.
     *
     * @param name model name
     * @return true for {@code lenet-300-100} and {@code mlp-H1-H2-...}
     */
    public static boolean isMlp(String name) {
        String key = name.trim().toLowerCase(Locale.ROOT);
        return key.equals("lenet-300-100")
                || key.equals("lenet300-100")
                || key.equals("mlp")
                || key.matches("mlp(-\\d+)+");
    }

    private static NetBuilder build(String key, NetBuilder n, int classes, double k) {
        if (key.equals("lenet-300-100") || key.equals("lenet300-100") || key.equals("mlp")) {
            return n.linear("fc1", w(300, k))
                    .relu()
                    .linear("fc2", w(100, k))
                    .relu()
                    .linear("fc3", classes);
        }
        if (key.matches("mlp(-\\d+)+")) {
            String[] widths = key.substring(4).split("-");
            for (int i = 0; i < widths.length; i++) {
                int h = widths[i].length() > 9 ? -1 : Integer.parseInt(widths[i]);
                if (h < 1) {
                    throw new SprigException(
                            "model " + key + ": hidden widths must be between 1 and 999,999,999");
                }
                n = n.linear("fc" + (i + 1), w(h, k)).relu();
            }
            return n.linear("fc" + (widths.length + 1), classes);
        }
        if (key.equals("lenet-5") || key.equals("lenet5")) {
            return n.conv("conv1", w(20, k), 5, 1, 0, 1, true)
                    .maxPool(2, 2, 0)
                    .conv("conv2", w(50, k), 5, 1, 0, 1, true)
                    .maxPool(2, 2, 0)
                    .linear("fc1", w(500, k))
                    .relu()
                    .linear("fc2", classes);
        }
        if (key.startsWith("vgg")) {
            return vgg(key, n, classes, k);
        }
        if (key.equals("mobilenet-v1") || key.equals("mobilenet")) {
            return mobilenet(n, classes, k);
        }
        Matcher m = PRERESNET.matcher(key);
        if (m.matches()) {
            return preResNet(Integer.parseInt(m.group(1)), n, classes, k);
        }
        m = WRN.matcher(key);
        if (m.matches()) {
            return wideResNet(
                    Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), n, classes, k);
        }
        if (key.equals("resnet-18") || key.equals("resnet-34") || key.equals("resnet-50")) {
            return imagenetResNet(Integer.parseInt(key.substring(7)), n, classes, k);
        }
        m = RESNET_CIFAR.matcher(key);
        if (m.matches()) {
            return cifarResNet(Integer.parseInt(m.group(1)), n, classes, k);
        }
        throw new SprigException("unknown model '" + key + "'; run `sprig models` for the list");
    }

    private static int w(int width, double k) {
        return Math.max(1, (int) Math.round(width * k));
    }

    private static NetBuilder vgg(String key, NetBuilder n, int classes, double k) {
        int[] cfg =
                switch (key) {
                    case "vgg-11", "vgg11" ->
                            new int[] {64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512};
                    case "vgg-16", "vgg16" ->
                            new int[] {
                                64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512,
                                512, 512
                            };
                    case "vgg-19", "vgg19" ->
                            new int[] {
                                64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512,
                                0, 512, 512, 512, 512
                            };
                    default ->
                            throw new SprigException(
                                    "unknown model '" + key + "'; VGG depths are 11, 16, 19");
                };
        int conv = 0;
        for (int c : cfg) {
            if (c == 0) {
                n.maxPool(2, 2, 0);
            } else {
                n.conv("features." + conv + ".conv", w(c, k), 3, 1, 1)
                        .bn("features." + conv + ".bn")
                        .relu();
                conv++;
            }
        }
        return n.globalAvgPool().linear("classifier", classes);
    }

    private static NetBuilder cifarResNet(int depth, NetBuilder n, int classes, double k) {
        if (depth < 8 || (depth - 2) % 6 != 0) {
            throw new SprigException(
                    "CIFAR ResNet depth must be 6n+2 (20, 32, 56, 110), got " + depth);
        }
        int blocks = (depth - 2) / 6;
        n.conv("conv1", w(16, k), 3, 1, 1).bn("bn1").relu();
        int[] widths = {w(16, k), w(32, k), w(64, k)};
        for (int s = 0; s < 3; s++) {
            for (int b = 0; b < blocks; b++) {
                String p = "layer" + (s + 1) + "." + b + ".";
                int stride = (b == 0 && s > 0) ? 2 : 1;
                int out = widths[s];
                boolean project = stride != 1 || n.channels() != out;
                n.residual(
                        x ->
                                x.conv(p + "conv1", out, 3, stride, 1)
                                        .bn(p + "bn1")
                                        .relu()
                                        .conv(p + "conv2", out, 3, 1, 1)
                                        .bn(p + "bn2"),
                        project
                                ? x ->
                                        x.conv(p + "shortcut.conv", out, 1, stride, 0)
                                                .bn(p + "shortcut.bn")
                                : null,
                        true);
            }
        }
        return n.globalAvgPool().linear("fc", classes);
    }

    private static NetBuilder preResNet(int depth, NetBuilder n, int classes, double k) {
        if (depth < 11 || (depth - 2) % 9 != 0) {
            throw new SprigException(
                    "PreResNet depth must be 9n+2 (29, 56, 101, 164), got " + depth);
        }
        int blocks = (depth - 2) / 9;
        n.conv("conv1", w(16, k), 3, 1, 1);
        int[] planes = {w(16, k), w(32, k), w(64, k)};
        for (int s = 0; s < 3; s++) {
            for (int b = 0; b < blocks; b++) {
                String p = "layer" + (s + 1) + "." + b + ".";
                int stride = (b == 0 && s > 0) ? 2 : 1;
                int mid = planes[s];
                int out = mid * 4;
                boolean project = stride != 1 || n.channels() != out;
                n.residual(
                        x ->
                                x.bn(p + "bn1")
                                        .relu()
                                        .conv(p + "conv1", mid, 1, 1, 0)
                                        .bn(p + "bn2")
                                        .relu()
                                        .conv(p + "conv2", mid, 3, stride, 1)
                                        .bn(p + "bn3")
                                        .relu()
                                        .conv(p + "conv3", out, 1, 1, 0),
                        project ? x -> x.conv(p + "downsample.conv", out, 1, stride, 0) : null,
                        false);
            }
        }
        return n.bn("bn").relu().globalAvgPool().linear("fc", classes);
    }

    private static NetBuilder wideResNet(
            int depth, int widen, NetBuilder n, int classes, double k) {
        if (depth < 10 || (depth - 4) % 6 != 0) {
            throw new SprigException("WRN depth must be 6n+4 (16, 22, 28, 40), got " + depth);
        }
        int blocks = (depth - 4) / 6;
        n.conv("conv1", w(16, k), 3, 1, 1);
        int[] widths = {w(16 * widen, k), w(32 * widen, k), w(64 * widen, k)};
        for (int s = 0; s < 3; s++) {
            for (int b = 0; b < blocks; b++) {
                String p = "block" + (s + 1) + "." + b + ".";
                int stride = (b == 0 && s > 0) ? 2 : 1;
                int out = widths[s];
                if (stride != 1 || n.channels() != out) {
                    // Zagoruyko & Komodakis: when the shape changes, both branches see the
                    // activated input.
                    n.bn(p + "bn1").relu();
                    n.residual(
                            x ->
                                    x.conv(p + "conv1", out, 3, stride, 1)
                                            .bn(p + "bn2")
                                            .relu()
                                            .conv(p + "conv2", out, 3, 1, 1),
                            x -> x.conv(p + "shortcut.conv", out, 1, stride, 0),
                            false);
                } else {
                    n.residual(
                            x ->
                                    x.bn(p + "bn1")
                                            .relu()
                                            .conv(p + "conv1", out, 3, 1, 1)
                                            .bn(p + "bn2")
                                            .relu()
                                            .conv(p + "conv2", out, 3, 1, 1),
                            null,
                            false);
                }
            }
        }
        return n.bn("bn").relu().globalAvgPool().linear("fc", classes);
    }

    private static NetBuilder imagenetResNet(int depth, NetBuilder n, int classes, double k) {
        int[] counts = depth == 50 || depth == 34 ? new int[] {3, 4, 6, 3} : new int[] {2, 2, 2, 2};
        boolean bottleneck = depth == 50;
        n.conv("conv1", w(64, k), 7, 2, 3).bn("bn1").relu().maxPool(3, 2, 1);
        int[] widths = {w(64, k), w(128, k), w(256, k), w(512, k)};
        for (int s = 0; s < 4; s++) {
            for (int b = 0; b < counts[s]; b++) {
                String p = "layer" + (s + 1) + "." + b + ".";
                int stride = (b == 0 && s > 0) ? 2 : 1;
                int mid = widths[s];
                int out = bottleneck ? mid * 4 : mid;
                boolean project = stride != 1 || n.channels() != out;
                n.residual(
                        bottleneck
                                ? x ->
                                        x.conv(p + "conv1", mid, 1, 1, 0)
                                                .bn(p + "bn1")
                                                .relu()
                                                .conv(p + "conv2", mid, 3, stride, 1)
                                                .bn(p + "bn2")
                                                .relu()
                                                .conv(p + "conv3", out, 1, 1, 0)
                                                .bn(p + "bn3")
                                : x ->
                                        x.conv(p + "conv1", mid, 3, stride, 1)
                                                .bn(p + "bn1")
                                                .relu()
                                                .conv(p + "conv2", out, 3, 1, 1)
                                                .bn(p + "bn2"),
                        project
                                ? x ->
                                        x.conv(p + "downsample.conv", out, 1, stride, 0)
                                                .bn(p + "downsample.bn")
                                : null,
                        true);
            }
        }
        return n.globalAvgPool().linear("fc", classes);
    }

    private static NetBuilder mobilenet(NetBuilder n, int classes, double k) {
        int stemStride = n.height() > 64 ? 2 : 1;
        n.conv("conv1", w(32, k), 3, stemStride, 1).bn("bn1").relu();
        int[][] cfg = {
            {64, 1}, {128, 2}, {128, 1}, {256, 2}, {256, 1}, {512, 2}, {512, 1}, {512, 1}, {512, 1},
            {512, 1}, {512, 1}, {1024, 2}, {1024, 1}
        };
        for (int i = 0; i < cfg.length; i++) {
            String p = "layers." + i + ".";
            int in = n.channels();
            int stride = n.height() >= 2 ? cfg[i][1] : 1;
            n.conv(p + "dw", in, 3, stride, 1, in, false)
                    .bn(p + "dw_bn")
                    .relu()
                    .conv(p + "pw", w(cfg[i][0], k), 1, 1, 0)
                    .bn(p + "pw_bn")
                    .relu();
        }
        return n.globalAvgPool().linear("fc", classes);
    }
}
