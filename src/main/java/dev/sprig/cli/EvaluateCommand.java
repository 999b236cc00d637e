package dev.sprig.cli;

import dev.sprig.Sprig;
import dev.sprig.SprigException;
import dev.sprig.data.Corruption;
import dev.sprig.ensemble.Calibration;
import dev.sprig.ensemble.UncertaintyEvaluation;
import dev.sprig.report.Plots;
import dev.sprig.train.Json;
import dev.sprig.train.RunFolder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sprig evaluate}: the uncertainty suite on trained models. Several folders, or an ensemble
 * folder, are evaluated as one ensemble (mean of the members' probabilities).
 */
@Command(
        name = "evaluate",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        description =
                "Accuracy, NLL, Brier, ECE (+ reliability diagram), diversity, OoD AUROC and"
                    + " corruption robustness of a model or an ensemble; writes evaluation.json and"
                    + " reliability.png.")
final class EvaluateCommand implements Callable<Integer> {
    @Parameters(
            arity = "1..*",
            paramLabel = "RUN_DIR",
            description = "run folders or ensemble folders")
    List<Path> dirs;

    @Option(
            names = "--out",
            description = "JSON output (default: RUN_DIR/evaluation.json of the first folder)")
    Path out;

    @Option(
            names = "--ood",
            split = ",",
            description =
                    "OoD data sets (default: the other of mnist/fashion-mnist or"
                            + " cifar-10/cifar-100; none to skip)")
    List<String> ood;

    @Option(
            names = "--noise",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description = "Gaussian-noise images as OoD inputs")
    boolean noise;

    @Option(
            names = "--corruptions",
            split = ",",
            defaultValue = "all",
            description =
                    "corruptions: all, none, or a list of gaussian_noise, shot_noise,"
                            + " impulse_noise, gaussian_blur, contrast, brightness, pixelate")
    List<String> corruptions;

    @Option(
            names = "--severities",
            split = ",",
            defaultValue = "1,2,3,4,5",
            description = "corruption severities")
    List<Integer> severities;

    @Option(
            names = "--corruption-limit",
            defaultValue = "0",
            description = "test images corrupted (0 = all)")
    int corruptionLimit;

    @Option(
            names = "--bins",
            defaultValue = "" + Calibration.DEFAULT_BINS,
            description = "ECE bins")
    int bins;

    @Option(
            names = "--data-dir",
            description = "data root (default: $SPRIG_DATA, else ~/.sprig/data)")
    String dataDir;

    @Option(names = "--device", description = "auto, cpu, gpu, gpu:N")
    String device;

    @Option(names = "--seed", defaultValue = "0", description = "seed of noise and corruptions")
    long seed;

    @Override
    public Integer call() {
        for (Path d : dirs) {
            if (!java.nio.file.Files.isDirectory(d)) {
                throw new SprigException("no run folder " + d);
            }
        }
        if (bins < 1) {
            throw new SprigException("--bins must be at least 1, got " + bins);
        }
        for (int s : severities) {
            if (s < 1 || s > 5) {
                throw new SprigException("--severities must lie in 1..5, got " + s);
            }
        }
        List<Corruption> chosen = new ArrayList<>();
        if (!(corruptions.size() == 1 && corruptions.get(0).equalsIgnoreCase("none"))) {
            if (corruptions.size() == 1 && corruptions.get(0).equalsIgnoreCase("all")) {
                chosen.addAll(Arrays.asList(Corruption.values()));
            } else {
                for (String c : corruptions) {
                    try {
                        chosen.add(Corruption.of(c));
                    } catch (IllegalArgumentException e) {
                        throw new SprigException(e.getMessage());
                    }
                }
            }
        }
        String dataset =
                Json.readConfig(dirs.get(0).resolve("config.yaml"))
                        .dataset
                        .toLowerCase(Locale.ROOT);
        List<String> oodSets =
                ood == null
                        ? partner(dataset)
                        : ood.stream().filter(s -> !s.equalsIgnoreCase("none")).toList();
        UncertaintyEvaluation suite =
                new UncertaintyEvaluation(
                        bins, oodSets, noise, chosen, severities, corruptionLimit, dataDir, seed);
        Map<String, Object> result = suite.run(dirs, Sprig.device(device));
        Path json = out != null ? out : dirs.get(0).resolve("evaluation.json");
        RunFolder.writeAtomic(json, Json.pretty(result) + "\n");
        Path png = json.resolveSibling("reliability.png");
        var tree = Json.JSON.valueToTree(result);
        int members = tree.get("members").size();
        Plots.write(
                Plots.reliability(
                                String.format(
                                        Locale.ROOT,
                                        "%s, %d member%s: ECE %.4f",
                                        dataset,
                                        members,
                                        members == 1 ? "" : "s",
                                        tree.get("test").get("ece").asDouble()),
                                tree)
                        .chart(),
                png);
        print(result);
        System.out.println("wrote " + json + " and " + png);
        return 0;
    }

    private static List<String> partner(String dataset) {
        return switch (dataset) {
            case "mnist" -> List.of("fashion-mnist");
            case "fashion-mnist" -> List.of("mnist");
            case "cifar-10" -> List.of("cifar-100");
            case "cifar-100" -> List.of("cifar-10");
            default -> List.of();
        };
    }

    @SuppressWarnings("unchecked")
    private static void print(Map<String, Object> r) {
        Map<String, Object> t = (Map<String, Object>) r.get("test");
        System.out.printf(
                Locale.ROOT,
                "test: accuracy %.4f  NLL %.4f  Brier %.4f  ECE %.4f%n",
                t.get("accuracy"),
                t.get("nll"),
                t.get("brier"),
                t.get("ece"));
        if (r.get("diversity") instanceof Map<?, ?> d) {
            System.out.printf(
                    Locale.ROOT,
                    "diversity: disagreement %.4f  KL %.4f%n",
                    d.get("disagreement"),
                    d.get("kl_divergence"));
        }
        ((Map<String, Object>) r.get("ood"))
                .forEach(
                        (k, v) -> {
                            Map<String, Object> m = (Map<String, Object>) v;
                            System.out.printf(
                                    Locale.ROOT,
                                    "OoD %s: AUROC max-prob %.4f  entropy %.4f%n",
                                    k,
                                    m.get("auroc_max_probability"),
                                    m.get("auroc_entropy"));
                        });
        if (r.get("corruption_mean") instanceof Map<?, ?> c) {
            System.out.printf(
                    Locale.ROOT,
                    "corruptions (mean over kinds and severities): accuracy %.4f  NLL %.4f  ECE"
                            + " %.4f%n",
                    c.get("accuracy"),
                    c.get("nll"),
                    c.get("ece"));
        }
    }
}
