package dev.sprig.export;

import dev.sprig.SprigException;
import dev.sprig.models.HostValues;
import dev.sprig.models.NamedParameter;
import dev.sprig.models.ParameterRole;
import dev.sprig.models.SprigModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Matches the tensors of a PyTorch archive to a zoo network's parameters and loads them.
 *
 * <p>Each zoo layer is looked up under its own name and under the names the common PyTorch code of
 * its family gives it: the CIFAR ResNets' {@code shortcut.0}/{@code shortcut.1} (or {@code
 * downsample.0/1}) for Sprig's {@code shortcut.conv}/{@code shortcut.bn}, torchvision's {@code
 * downsample.0}/{@code downsample.1} for the ImageNet layout, {@code linear} or {@code classifier}
 * for {@code fc}, the wide ResNets' {@code block1.layer.0.} and {@code convShortcut}, MobileNet's
 * {@code conv1}/{@code bn1}/{@code conv2}/{@code bn2} for {@code dw}/{@code dw_bn}/{@code
 * pw}/{@code pw_bn}. Batch norm's γ and β are PyTorch's {@code weight} and {@code bias}. A VGG
 * whose {@code features} is one {@code nn.Sequential} (convolution, batch norm, ReLU, pooling
 * numbered in one sequence) is matched by order, convolutions to convolutions and batch norms to
 * batch norms. Names are compared with every non-alphanumeric character as {@code _}, so
 * TorchScript attributes ({@code layer1_0_conv1_weight}) match too.
 *
 * <p>Nothing is loaded unless everything fits: a parameter no tensor matches, a tensor no parameter
 * takes (besides batch norm's {@code num_batches_tracked}) or a shape that differs refuses the
 * archive with the list of what differs.
 */
final class TorchNames {
    private TorchNames() {}

    /** One renaming of a zoo layer name: a pattern and the names it may have in PyTorch. */
    private record Rule(Pattern pattern, List<String> replacements) {
        static Rule of(String regex, String... replacements) {
            return new Rule(Pattern.compile(regex), List.of(replacements));
        }
    }

    private static final List<Rule> RULES =
            List.of(
                    Rule.of(
                            "^(.*)shortcut\\.conv$",
                            "$1shortcut.0",
                            "$1downsample.0",
                            "$1convShortcut"),
                    Rule.of("^(.*)shortcut\\.bn$", "$1shortcut.1", "$1downsample.1"),
                    Rule.of("^(.*)downsample\\.conv$", "$1downsample.0", "$1shortcut.0"),
                    Rule.of("^(.*)downsample\\.bn$", "$1downsample.1", "$1shortcut.1"),
                    Rule.of("^fc$", "linear", "classifier"),
                    Rule.of("^classifier$", "linear", "fc"),
                    Rule.of("^bn$", "bn1"),
                    Rule.of("^block(\\d+)\\.(\\d+)\\.(.*)$", "block$1.layer.$2.$3"),
                    Rule.of("^(.*)\\.dw$", "$1.conv1"),
                    Rule.of("^(.*)\\.dw_bn$", "$1.bn1"),
                    Rule.of("^(.*)\\.pw$", "$1.conv2"),
                    Rule.of("^(.*)\\.pw_bn$", "$1.bn2"));

    private static final Pattern VGG_LAYER = Pattern.compile("^features\\.(\\d+)\\.(conv|bn)$");
    private static final Pattern SEQUENTIAL = Pattern.compile("^(features?)\\.(\\d+)\\.(\\w+)$");

    /** The names a zoo layer may have in an archive, its own first. */
    static List<String> candidates(String layer) {
        Set<String> names = new LinkedHashSet<>();
        names.add(layer);
        for (Rule r : RULES) {
            for (String n : new ArrayList<>(names)) {
                Matcher m = r.pattern.matcher(n);
                if (m.matches()) {
                    for (String rep : r.replacements) {
                        names.add(m.replaceFirst(rep));
                    }
                }
            }
        }
        return new ArrayList<>(names);
    }

    /** PyTorch's (and Sprig's own) names of a parameter's role. */
    private static List<String> roleNames(ParameterRole role) {
        return switch (role) {
            case WEIGHT -> List.of("weight");
            case BIAS -> List.of("bias");
            case GAMMA -> List.of("weight", "gamma");
            case BETA -> List.of("bias", "beta");
            case RUNNING_MEAN -> List.of("running_mean");
            case RUNNING_VAR -> List.of("running_var");
            case EMBEDDING -> List.of("weight");
        };
    }

    static String normal(String name) {
        return name.replaceAll("[^A-Za-z0-9]", "_").toLowerCase(Locale.ROOT);
    }

    /**
     * Loads an archive's tensors into a model, or refuses it with what differs.
     *
     * @param archive tensors by name ({@link TorchArchive#read})
     * @param model the zoo network
     * @param source the archive, for messages
     * @return which archive tensor each parameter took, by parameter name
     * @throws SprigException listing missing, unexpected and mis-shaped tensors
     */
    static Map<String, String> load(
            Map<String, TorchArchive.Tensor> archive, SprigModel model, String source) {
        Map<String, String> byNormal = new LinkedHashMap<>();
        for (String k : archive.keySet()) {
            byNormal.put(normal(k), k);
        }
        Map<String, List<NamedParameter>> layers = new LinkedHashMap<>();
        for (NamedParameter p : model.parameters().values()) {
            layers.computeIfAbsent(p.layer().name(), k -> new ArrayList<>()).add(p);
        }
        Map<String, String> chosen = new LinkedHashMap<>();
        Set<String> used = new HashSet<>();
        List<String> unmatched = new ArrayList<>();
        for (Map.Entry<String, List<NamedParameter>> layer : layers.entrySet()) {
            Map<String, String> found = null;
            for (String prefix : candidates(layer.getKey())) {
                found = lookUp(prefix, layer.getValue(), byNormal, used);
                if (found != null) {
                    break;
                }
            }
            if (found == null) {
                unmatched.add(layer.getKey());
            } else {
                chosen.putAll(found);
                used.addAll(found.values());
            }
        }
        matchSequentialVgg(unmatched, layers, archive, used, chosen);
        List<String> missing = new ArrayList<>();
        for (String layer : unmatched) {
            for (NamedParameter p : layers.get(layer)) {
                missing.add(
                        p.name() + " (looked for " + String.join(" | ", candidates(layer)) + ")");
            }
        }
        List<String> shapes = new ArrayList<>();
        for (Map.Entry<String, String> e : chosen.entrySet()) {
            long[] want = model.parameters().get(e.getKey()).array().getShape().getShape();
            TorchArchive.Tensor t = archive.get(e.getValue());
            if (!Arrays.equals(want, t.shape())) {
                shapes.add(
                        e.getValue()
                                + ": "
                                + t.shapeText()
                                + ", "
                                + e.getKey()
                                + " needs "
                                + Arrays.toString(want));
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String k : archive.keySet()) {
            if (!used.contains(k) && !k.endsWith("num_batches_tracked")) {
                unexpected.add(k + " " + archive.get(k).shapeText());
            }
        }
        if (!missing.isEmpty() || !shapes.isEmpty() || !unexpected.isEmpty()) {
            List<String> parts = new ArrayList<>();
            if (!missing.isEmpty()) {
                parts.add(missing.size() + " parameter(s) not in the archive: " + first(missing));
            }
            if (!shapes.isEmpty()) {
                parts.add(shapes.size() + " shape(s) differ: " + first(shapes));
            }
            if (!unexpected.isEmpty()) {
                parts.add(
                        unexpected.size()
                                + " tensor(s) "
                                + model.architecture()
                                + " has no place for: "
                                + first(unexpected));
            }
            throw new SprigException(
                    source
                            + " does not fit "
                            + model.architecture()
                            + ": "
                            + String.join("; ", parts));
        }
        for (Map.Entry<String, String> e : chosen.entrySet()) {
            HostValues.write(
                    model.parameters().get(e.getKey()).array(), archive.get(e.getValue()).values());
        }
        return chosen;
    }

    private static String first(List<String> items) {
        int shown = Math.min(6, items.size());
        String list = String.join(", ", items.subList(0, shown));
        return shown < items.size() ? list + ", ... (" + (items.size() - shown) + " more)" : list;
    }

    /** The archive names of every parameter of a layer under one prefix, or null. */
    private static Map<String, String> lookUp(
            String prefix,
            List<NamedParameter> params,
            Map<String, String> byNormal,
            Set<String> used) {
        Map<String, String> found = new LinkedHashMap<>();
        for (NamedParameter p : params) {
            String key = null;
            for (String role : roleNames(p.role())) {
                String k = byNormal.get(normal(prefix + "." + role));
                if (k != null && !used.contains(k)) {
                    key = k;
                    break;
                }
            }
            if (key == null) {
                return null;
            }
            found.put(p.name(), key);
        }
        return found;
    }

    /**
     * Matches Sprig's {@code features.i.conv}/{@code features.i.bn} to a PyTorch VGG whose {@code
     * features} is one Sequential, by order and kind.
     */
    private static void matchSequentialVgg(
            List<String> unmatched,
            Map<String, List<NamedParameter>> layers,
            Map<String, TorchArchive.Tensor> archive,
            Set<String> used,
            Map<String, String> chosen) {
        List<String> vgg = unmatched.stream().filter(l -> VGG_LAYER.matcher(l).matches()).toList();
        if (vgg.isEmpty()) {
            return;
        }
        TreeMap<Integer, Map<String, String>> groups = new TreeMap<>();
        for (String k : archive.keySet()) {
            Matcher m = SEQUENTIAL.matcher(k);
            if (m.matches() && !used.contains(k)) {
                groups.computeIfAbsent(Integer.parseInt(m.group(2)), i -> new LinkedHashMap<>())
                        .put(m.group(3), k);
            }
        }
        List<Map<String, String>> ordered = new ArrayList<>(groups.values());
        if (ordered.size() != vgg.size()) {
            return;
        }
        Map<String, String> found = new LinkedHashMap<>();
        for (int i = 0; i < vgg.size(); i++) {
            String layer = vgg.get(i);
            Map<String, String> group = ordered.get(i);
            boolean bn = layer.endsWith(".bn");
            if (bn != group.containsKey("running_mean")) {
                return;
            }
            for (NamedParameter p : layers.get(layer)) {
                String key = null;
                for (String role : roleNames(p.role())) {
                    key = key != null ? key : group.get(role);
                }
                if (key == null) {
                    return;
                }
                found.put(p.name(), key);
            }
        }
        chosen.putAll(found);
        used.addAll(found.values());
        unmatched.removeAll(vgg);
    }
}
