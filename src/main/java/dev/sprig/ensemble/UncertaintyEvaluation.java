package dev.sprig.ensemble;

import ai.djl.Device;
import dev.sprig.SprigException;
import dev.sprig.data.Corruption;
import dev.sprig.data.DataRoot;
import dev.sprig.data.DataSplits;
import dev.sprig.data.ImageSet;
import dev.sprig.train.Json;
import dev.sprig.train.TrainConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The FreeTickets evaluation protocol (anchors §4.3) for one model or an ensemble: accuracy, NLL,
 * Brier score and ECE on the test set; diversity between members; out-of-distribution detection
 * against another data set and Gaussian-noise images; accuracy, NLL and ECE under each {@link
 * Corruption} at each severity.
 *
 * <p>OoD images are normalised with the training statistics, as real inputs are (the authors'
 * loaders skip normalisation for OoD sets, which makes the shift partly a scaling artefact). The
 * noise images are \( \mathrm{clip}(\mathcal{N}(0.5, 0.5^2), 0, 1) \) per pixel, one per test image
 * (at most 10,000, the authors' count), centred on mid-grey so that clipping does not turn half of
 * every image black.
 *
 * @param bins ECE bins
 * @param oodDatasets data sets used as out-of-distribution inputs
 * @param noise whether to add Gaussian-noise OoD inputs
 * @param corruptions corruptions to apply (empty for none)
 * @param severities severities to apply
 * @param corruptionLimit test images corrupted (0 = all)
 * @param dataDir data root override (null = {@code SPRIG_DATA} or the default)
 * @param seed seed of noise and corruption draws
 */
public record UncertaintyEvaluation(
        int bins,
        List<String> oodDatasets,
        boolean noise,
        List<Corruption> corruptions,
        List<Integer> severities,
        int corruptionLimit,
        String dataDir,
        long seed) {

    /**
     * Expands run folders to the models they hold: an ensemble folder stands for its members.
     *
     * @param dirs run or ensemble folders
     * @return model folders
     */
    public static List<Path> members(List<Path> dirs) {
        List<Path> out = new ArrayList<>();
        for (Path d : dirs) {
            if (!Files.isDirectory(d)) {
                throw new SprigException("no run folder " + d);
            }
            List<Path> inside;
            try (Stream<Path> s = Files.list(d)) {
                inside =
                        s.filter(
                                        p ->
                                                p.getFileName().toString().matches("member-\\d+")
                                                        && Files.isDirectory(p))
                                .sorted((a, b) -> Integer.compare(number(a), number(b)))
                                .toList();
            } catch (java.io.IOException e) {
                throw new SprigException("cannot list " + d + ": " + e.getMessage());
            }
            out.addAll(inside.isEmpty() ? List.of(d) : inside);
        }
        return out;
    }

    private static int number(Path p) {
        String n = p.getFileName().toString();
        return Integer.parseInt(n.substring(n.indexOf('-') + 1));
    }

    /**
     * Evaluates.
     *
     * @param dirs run folders (or ensemble folders); more than one model makes an ensemble
     * @param device device for engine models
     * @return the figures, ready to write as JSON
     */
    public Map<String, Object> run(List<Path> dirs, Device device) {
        List<Path> members = members(dirs);
        TrainConfig dataConfig = Json.readConfig(dirs.get(0).resolve("config.yaml"));
        String root = dataDir != null ? dataDir : dataConfig.dataDir;
        TrainConfig rooted = dataConfig.copy();
        rooted.dataDir = root;
        DataSplits data = DataSplits.load(rooted.dataRequest(dataConfig.seed));
        ImageSet test = data.test();
        List<MemberModel> models = new ArrayList<>();
        try {
            for (Path m : members) {
                models.add(MemberModel.open(m, test, device));
            }
            for (MemberModel m : models) {
                if (!m.config().dataset.equalsIgnoreCase(dataConfig.dataset)) {
                    throw new SprigException(
                            m.dir()
                                    + " was trained on "
                                    + m.config().dataset
                                    + ", not "
                                    + dataConfig.dataset);
                }
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("members", members.stream().map(Path::toString).toList());
            out.put("checkpoints", models.stream().map(MemberModel::checkpoint).toList());
            out.put("dataset", dataConfig.dataset);
            out.put("ece_bins", bins);
            List<Predictions> onTest = predictAll(models, test, data, dataConfig.evalBatchSize);
            Predictions ensemble = Predictions.mean(onTest);
            out.put("test", scores(ensemble));
            List<Map<String, Object>> perMember = new ArrayList<>();
            for (int i = 0; i < onTest.size(); i++) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("member", members.get(i).toString());
                row.putAll(scores(onTest.get(i)));
                perMember.add(row);
            }
            out.put("test_members", perMember);
            if (onTest.size() > 1) {
                Map<String, Object> div = new LinkedHashMap<>();
                div.put("disagreement", Diversity.disagreement(onTest));
                div.put("kl_divergence", Diversity.kl(onTest));
                out.put("diversity", div);
            }
            out.put("reliability", Calibration.reliability(ensemble, bins));
            Map<String, Object> ood = new LinkedHashMap<>();
            for (String name : oodDatasets) {
                ImageSet other =
                        DataSplits.load(name, DataRoot.resolve(root), 0, dataConfig.seed).test();
                ood.put(
                        name,
                        detection(
                                ensemble,
                                Predictions.mean(
                                        predictAll(
                                                models, other, data, dataConfig.evalBatchSize))));
            }
            if (noise) {
                ImageSet n = noiseImages(test, Math.min(test.size(), 10_000), seed);
                ood.put(
                        "gaussian_noise",
                        detection(
                                ensemble,
                                Predictions.mean(
                                        predictAll(models, n, data, dataConfig.evalBatchSize))));
            }
            out.put("ood", ood);
            if (!corruptions.isEmpty()) {
                ImageSet base =
                        corruptionLimit > 0 && corruptionLimit < test.size()
                                ? head(test, corruptionLimit)
                                : test;
                List<Map<String, Object>> rows = new ArrayList<>();
                double acc = 0;
                double nll = 0;
                double ece = 0;
                for (Corruption c : corruptions) {
                    for (int s : severities) {
                        Predictions p =
                                Predictions.mean(
                                        predictAll(
                                                models,
                                                c.apply(base, s, seed),
                                                data,
                                                dataConfig.evalBatchSize));
                        Map<String, Object> row = new LinkedHashMap<>();
                        row.put("corruption", c.key());
                        row.put("severity", s);
                        row.putAll(scores(p));
                        rows.add(row);
                        acc += p.accuracy();
                        nll += p.nll();
                        ece += Calibration.ece(p, bins);
                    }
                }
                int k = rows.size();
                out.put(
                        "corruption_mean",
                        Map.of(
                                "accuracy",
                                acc / k,
                                "nll",
                                nll / k,
                                "ece",
                                ece / k,
                                "images",
                                base.size()));
                out.put("corruptions", rows);
            }
            return out;
        } finally {
            models.forEach(MemberModel::close);
        }
    }

    private Map<String, Object> scores(Predictions p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("accuracy", p.accuracy());
        m.put("nll", p.nll());
        m.put("brier", p.brier());
        m.put("ece", Calibration.ece(p, bins));
        return m;
    }

    private static Map<String, Object> detection(Predictions in, Predictions out) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("auroc_max_probability", OodDetection.aurocMaxProbability(in, out));
        m.put("auroc_entropy", OodDetection.aurocEntropy(in, out));
        m.put("images", out.size());
        return m;
    }

    private static List<Predictions> predictAll(
            List<MemberModel> models, ImageSet set, DataSplits data, int batch) {
        List<Predictions> out = new ArrayList<>();
        for (MemberModel m : models) {
            out.add(m.predict(set, data.normalization(), batch));
        }
        return out;
    }

    /**
     * Gaussian-noise images shaped like a reference set.
     *
     * @param like reference set (shape and classes)
     * @param n number of images
     * @param seed seed
     * @return the noise set (labels all 0; unused)
     */
    static ImageSet noiseImages(ImageSet like, int n, long seed) {
        int size = like.channels() * like.height() * like.width();
        byte[] px = new byte[n * size];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < px.length; i++) {
            double u = r.nextDouble();
            double v = r.nextDouble();
            double z = Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
            px[i] = (byte) Math.round(255 * Math.min(1, Math.max(0, 0.5 + 0.5 * z)));
        }
        return new ImageSet(
                "gaussian-noise",
                px,
                new int[n],
                like.channels(),
                like.height(),
                like.width(),
                like.classes());
    }

    private static ImageSet head(ImageSet set, int n) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        return set.subset(idx);
    }
}
