package dev.sprig.export;

import ai.djl.Device;
import dev.sprig.SprigException;
import dev.sprig.data.BatchSource;
import dev.sprig.data.DataSplits;
import dev.sprig.models.SprigModel;
import dev.sprig.train.Checkpoint;
import dev.sprig.train.Evaluation;
import dev.sprig.train.Json;
import dev.sprig.train.RunFolder;
import dev.sprig.train.RunProvenance;
import dev.sprig.train.RunSummary;
import dev.sprig.train.SgdOptimizer;
import dev.sprig.train.TrainConfig;
import dev.sprig.train.Trainer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code sprig import}: a network trained in PyTorch becomes a run folder that every other command
 * starts from ({@code evaluate}, {@code export}, {@code train --init-from}, {@code earlybird} and
 * {@code epi} with {@code --init-from}, {@code pf --prune-from}), the usual way Early-Bird, EPI and
 * pruning are applied to an existing model.
 *
 * <p>The folder holds the config (the zoo model and the data it will train on), a checkpoint of the
 * imported weights at step 0, and a summary of the model as imported, evaluated on the data's test
 * set, so a user sees at once whether the weights arrived intact.
 */
public final class ModelImport {
    private ModelImport() {}

    /**
     * Imports an archive into a new run folder.
     *
     * @param archive a {@code torch.save} state_dict (or checkpoint, or TorchScript) archive
     * @param config the run's settings: model, width, data
     * @param data the data, for the input shape, classes and the test evaluation
     * @param dir the run folder to write
     * @param mode whether an existing run there may be replaced
     * @param device device
     * @return the summary written
     */
    public static RunSummary run(
            Path archive,
            TrainConfig config,
            DataSplits data,
            Path dir,
            RunFolder.Mode mode,
            Device device) {
        Map<String, TorchArchive.Tensor> tensors = TorchArchive.read(archive);
        long start = System.nanoTime();
        try (SprigModel model = Trainer.buildModel(config, data.train(), device)) {
            Map<String, String> mapping = TorchNames.load(tensors, model, archive.toString());
            // Opened once the weights fit: a refused archive leaves no folder behind.
            RunFolder folder = RunFolder.open(dir, mode);
            TrainConfig resolved = config.copy();
            resolved.recordData(data);
            String yaml = Json.toYaml(resolved);
            RunFolder.writeAtomic(folder.config(), yaml);
            RunFolder.writeAtomic(
                    folder.dir().resolve("provenance.json"),
                    Json.pretty(RunProvenance.of(resolved, yaml, device)) + "\n");
            Checkpoint.save(
                    folder.lastCheckpoint(),
                    new Checkpoint.State(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, 0, List.of()),
                    model,
                    new SgdOptimizer(config.momentum, config.nesterov, config.weightDecay),
                    List.of());
            Evaluation test =
                    Evaluation.of(
                            model,
                            new BatchSource(
                                    data.test(),
                                    data.normalization(),
                                    config.evalBatchSize,
                                    false,
                                    null,
                                    config.seed));
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("imported_from", archive.toAbsolutePath().normalize().toString());
            extra.put("imported_sha256", sha256(archive));
            extra.put("imported_tensors", mapping.size());
            Map<String, String> renamed = new LinkedHashMap<>();
            mapping.forEach(
                    (sprig, torch) -> {
                        if (!TorchNames.normal(torch).equals(TorchNames.normal(sprig))) {
                            renamed.put(sprig, torch);
                        }
                    });
            extra.put("renamed", renamed);
            if (!data.description().isEmpty()) {
                extra.put("data", data.description());
            }
            if (data.classNames() != null) {
                extra.put("per_class_accuracy", test.perClass(data.classNames()));
            }
            long params = model.parameterCount();
            RunSummary summary =
                    new RunSummary(
                            "import",
                            config.model,
                            data.dataset(),
                            test.accuracy(),
                            test.loss(),
                            0,
                            params,
                            params,
                            0,
                            0,
                            dev.sprig.cost.FlopsCostModel.INSTANCE.forwardFlops(
                                    model.layers(), dev.sprig.cost.LayerDensities.DENSE),
                            (System.nanoTime() - start) / 1e9,
                            0,
                            config.seed,
                            extra);
            RunFolder.writeAtomic(folder.summary(), Json.pretty(summary.toMap()) + "\n");
            return summary;
        }
    }

    private static String sha256(Path file) {
        try (InputStream in =
                new DigestInputStream(
                        Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (IOException e) {
            throw new SprigException("cannot read " + file + ": " + e.getMessage());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
