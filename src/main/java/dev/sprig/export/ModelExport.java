package dev.sprig.export;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import dev.sprig.SprigException;
import dev.sprig.data.DatasetReaders;
import dev.sprig.data.ImageFolderReader;
import dev.sprig.data.KnownDataset;
import dev.sprig.data.Normalization;
import dev.sprig.ensemble.UncertaintyEvaluation;
import dev.sprig.models.HostValues;
import dev.sprig.models.ModelZoo;
import dev.sprig.models.NamedParameter;
import dev.sprig.models.ParameterRole;
import dev.sprig.models.RecurrentLm;
import dev.sprig.models.SprigModel;
import dev.sprig.sparse.exec.SparseCheckpoint;
import dev.sprig.train.Checkpoint;
import dev.sprig.train.Json;
import dev.sprig.train.RunFolder;
import dev.sprig.train.SgdOptimizer;
import dev.sprig.train.TrainConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Exports the trained (shrunk or masked) model of a run folder.
 *
 * <ul>
 *   <li>{@code djl}: DJL's own {@code NAME-0000.params}, loadable with {@code Model.load} into the
 *       block {@code ModelZoo.create} builds from the {@code model.json} written beside it;
 *   <li>{@code torchscript}: {@code model.pt}, for {@code torch.jit.load} in Python or C++ and
 *       DJL's PyTorch engine, with no Sprig code needed (see {@link TorchScript});
 *   <li>{@code csr}: {@code model.csr}, every prunable weight in compressed sparse rows (float32
 *       values, int32 column indices and row pointers; one row per output channel) and every other
 *       parameter dense; its byte size against dense float32 storage is reported.
 * </ul>
 *
 * <p>Reads engine checkpoints and the sparse path's CSR checkpoints (MLPs) alike. Exported models
 * are deterministic: Early-Bird's low-precision activation rounding is a training device and is
 * left out.
 */
public final class ModelExport {
    static final String CSR_MAGIC = "SPRIG-CSR";
    static final int CSR_VERSION = 1;

    private ModelExport() {}

    /**
     * What an export wrote.
     *
     * @param files written files
     * @param denseBytes bytes of all parameters as dense float32
     * @param csrBytes bytes of {@code model.csr} (0 when not written)
     */
    public record Result(List<Path> files, long denseBytes, long csrBytes) {}

    /**
     * Rebuilds a run's trained model (best-validation checkpoint when kept, else the last).
     *
     * @param runDir the run folder
     * @param device device
     * @return the model; close it
     */
    public static SprigModel load(Path runDir, Device device) {
        TrainConfig c = Json.readConfig(runDir.resolve("config.yaml"));
        Path file = checkpoint(runDir);
        SprigModel model = build(c, device);
        try {
            if (SparseCheckpoint.isSparse(file)) {
                loadSparsePath(file, model);
            } else {
                Checkpoint.load(file, model, new SgdOptimizer(0, false, 0), List.of());
            }
            return model;
        } catch (SprigException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Returns the checkpoint a run's trained model is read from: the best-validation one when it
     * was kept, else the last.
     *
     * @param runDir a run folder (a pipeline's final phase, an ensemble's member)
     * @return the checkpoint file
     * @throws SprigException when the run holds none
     */
    public static Path checkpoint(Path runDir) {
        Path best = runDir.resolve("checkpoints/best.ckpt");
        Path file = Files.isRegularFile(best) ? best : runDir.resolve("checkpoints/last.ckpt");
        if (!Files.isRegularFile(file)) {
            throw new SprigException(
                    runDir + " holds no checkpoint to export (is the run finished?)");
        }
        return file;
    }

    /**
     * Lists the checkpoints an export of a run reads: its final model's, or every member's.
     *
     * @param runDir the run folder
     * @return checkpoint files
     */
    public static List<Path> checkpoints(Path runDir) {
        List<Path> out = new ArrayList<>();
        for (Path member : UncertaintyEvaluation.members(List.of(runDir))) {
            out.add(checkpoint(trainedFolder(member)));
        }
        return out;
    }

    /**
     * Copies a network trained on the sparse backend (whose checkpoint stores CSR layers and, for
     * CNNs, batch-norm state) into the engine model of the same architecture.
     */
    private static void loadSparsePath(Path file, SprigModel model) {
        SparseCheckpoint.copyInto(file, model);
    }

    /**
     * Builds the architecture of a config, without low-precision activation rounding.
     *
     * @param c the run's config
     * @param device device
     * @return a freshly initialised model of that architecture
     */
    public static SprigModel build(TrainConfig c, Device device) {
        c.requireZooModel();
        int channels;
        int size;
        int classes;
        if (RecurrentLm.isRecurrent(c.model)) {
            if (c.classNames == null) {
                throw new SprigException(
                        "config.yaml of " + c.model + " lacks class_names, the text's vocabulary");
            }
            // Windows of seq_len tokens plus the next one, as the text reader lays them out.
            channels = c.seqLen + 1;
            size = 1;
            classes = c.classNames.size();
        } else if (c.classNames != null && c.normalizationMean != null) {
            // A folder or table: config.yaml recorded its classes and per-channel statistics.
            channels = c.normalizationMean.size();
            size = isTable(c) ? 1 : c.imageSize;
            classes = c.classNames.size();
        } else if (c.dataset.equalsIgnoreCase("synthetic")) {
            channels = 1;
            size = 28;
            classes = 10;
        } else {
            KnownDataset d = KnownDataset.of(c.dataset);
            channels = d.channels();
            size = d.imageSize();
            classes = d.classes();
        }
        return ModelZoo.create(
                c.model,
                channels,
                size,
                classes,
                c.widthMultiplier,
                c.channelWidths == null ? Map.of() : c.channelWidths,
                null,
                device,
                c.seed,
                (float) c.bnGammaInit);
    }

    /**
     * Exports a run: its final model (the last phase of a pipeline), or every member of an ensemble
     * into a folder of its own under {@code out}, plus (TorchScript) {@code ensemble.pt}, one
     * module returning the members' mean probabilities.
     *
     * @param runDir the run folder
     * @param out output folder
     * @param formats any of {@code djl}, {@code torchscript}, {@code csr}
     * @param device device
     * @return what was written
     */
    public static Result export(Path runDir, Path out, List<String> formats, Device device) {
        List<Path> members = UncertaintyEvaluation.members(List.of(runDir));
        if (members.size() == 1 && members.get(0).equals(runDir)) {
            Path dir = trainedFolder(runDir);
            try (SprigModel model = load(dir, device)) {
                return exportModel(
                        model, Json.readConfig(dir.resolve("config.yaml")), out, formats, device);
            }
        }
        // An ensemble: each member is a model of its own, exported beside the others, and in
        // TorchScript the whole ensemble is also one module that averages its members'
        // probabilities.
        List<SprigModel> models = new ArrayList<>();
        try {
            List<Path> files = new ArrayList<>();
            long dense = 0;
            long csr = 0;
            for (Path member : members) {
                Path dir = trainedFolder(member);
                SprigModel model = load(dir, device);
                models.add(model);
                Result r =
                        exportModel(
                                model,
                                Json.readConfig(dir.resolve("config.yaml")),
                                out.resolve(member.getFileName().toString()),
                                formats,
                                device);
                files.addAll(r.files());
                dense += r.denseBytes();
                csr += r.csrBytes();
            }
            if (formats.contains("torchscript")) {
                Path file = out.resolve("ensemble.pt");
                long bytes = TorchScript.write(models, file);
                Map<String, Object> manifest =
                        manifest(
                                Json.readConfig(members.get(0).resolve("config.yaml")),
                                models.get(0));
                manifest.put(
                        "output",
                        "probabilities (N, classes): the mean of the members' softmax outputs");
                manifest.put(
                        "members", members.stream().map(m -> m.getFileName().toString()).toList());
                manifest.put("torchscript_bytes", bytes);
                Path json = out.resolve("ensemble.json");
                RunFolder.writeAtomic(json, Json.pretty(manifest) + "\n");
                files.add(file);
                files.add(json);
            }
            return new Result(files, dense, csr);
        } finally {
            models.forEach(SprigModel::close);
        }
    }

    /** What a user needs to feed an exported model: architecture, input shape and normalisation. */
    private static Map<String, Object> manifest(TrainConfig c, SprigModel model) {
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("model", c.model);
        manifest.put("width_multiplier", c.widthMultiplier);
        manifest.put("channel_widths", c.channelWidths);
        manifest.put("dataset", c.dataset);
        manifest.put("input_shape", model.inputShape().getShape());
        manifest.put("classes", model.classes());
        manifest.put("architecture", model.architecture());
        if (RecurrentLm.isRecurrent(c.model)) {
            manifest.put(
                    "input",
                    "int64 (N, T): token indices into labels (index 0 is <unk> for characters);"
                            + " optionally each layer's state, (1, N, width) each");
            manifest.put("labels", c.classNames);
            manifest.put("sequence_length", c.seqLen);
            return manifest;
        }
        if (c.classNames != null && c.normalizationMean != null) {
            manifest.put(
                    "input",
                    isTable(c)
                            ? "float32 (N, F, 1, 1): each raw feature minus mean, over std, in the"
                                    + " order of the table's feature columns (summary.json:"
                                    + " data.features)"
                            : "float32 (N, C, H, W): pixel/255, minus mean, over std, per channel;"
                                    + " images resized so the shorter side is "
                                    + ImageFolderReader.evaluationResize(c.imageSize)
                                    + ", centre crop "
                                    + c.imageSize);
            manifest.put("input_mean", c.normalizationMean);
            manifest.put("input_std", c.normalizationStd);
            manifest.put("labels", c.classNames);
            return manifest;
        }
        Normalization norm =
                c.dataset.equalsIgnoreCase("synthetic")
                        ? dev.sprig.data.SyntheticImages.normalization(1)
                        : KnownDataset.of(c.dataset).normalization();
        manifest.put("input", "float32 (N, C, H, W): pixel/255, minus mean, over std, per channel");
        manifest.put("input_mean", norm.mean());
        manifest.put("input_std", norm.std());
        return manifest;
    }

    /**
     * Whether a run (or its final phase) trained a recurrent language model.
     *
     * @param runDir the run folder
     * @return true for {@code gru-H-L} and {@code lstm-H-L} runs
     */
    public static boolean isRecurrentRun(Path runDir) {
        Path config = trainedFolder(runDir).resolve("config.yaml");
        return Files.isRegularFile(config)
                && RecurrentLm.isRecurrent(Json.readConfig(config).model);
    }

    /** Whether a run trained on a table of features ({@code csv:}) rather than images. */
    private static boolean isTable(TrainConfig c) {
        return DatasetReaders.readsTable(c.dataset);
    }

    /**
     * Finds the folder holding a run's final model: the run itself, or for a pipeline its last
     * finished phase (Early-Bird's {@code retrain/}, slimming's {@code finetune/}, EPI's {@code
     * pruned/}; the search or warm-up when the pipeline never pruned).
     *
     * @param runDir a run or pipeline folder
     * @return the folder to read the model from
     */
    static Path trainedFolder(Path runDir) {
        if (hasCheckpoint(runDir)) {
            return runDir;
        }
        for (String phase : List.of("retrain", "finetune", "pruned", "search", "warmup")) {
            Path p = runDir.resolve(phase);
            if (hasCheckpoint(p) && Files.isRegularFile(p.resolve("summary.json"))) {
                return p;
            }
        }
        return runDir;
    }

    private static boolean hasCheckpoint(Path dir) {
        return Files.isRegularFile(dir.resolve("checkpoints/best.ckpt"))
                || Files.isRegularFile(dir.resolve("checkpoints/last.ckpt"));
    }

    private static Result exportModel(
            SprigModel model, TrainConfig c, Path out, List<String> formats, Device device) {
        List<Path> files = new ArrayList<>();
        long csrBytes = 0;
        try {
            Files.createDirectories(out);
            Map<String, Object> manifest = manifest(c, model);
            manifest.put(
                    "output",
                    model.block() instanceof RecurrentLm
                            ? "logits (N, T, classes), then each layer's final state"
                            : "logits (N, classes)");
            for (String f : formats) {
                switch (f) {
                    case "djl" -> {
                        try (Model m = Model.newInstance(c.model, device)) {
                            m.setBlock(model.block());
                            m.save(out, c.model);
                        }
                        files.add(out.resolve(c.model + "-0000.params"));
                    }
                    case "torchscript" -> {
                        if (model.block() instanceof RecurrentLm) {
                            throw new SprigException(
                                    "TorchScript export covers the feed-forward zoo; recurrent"
                                            + " model "
                                            + c.model
                                            + " exports as djl or state_dict (--format"
                                            + " djl,state_dict)");
                        }
                        Path file = out.resolve("model.pt");
                        manifest.put("torchscript_bytes", TorchScript.write(model, file));
                        files.add(file);
                    }
                    case "state_dict" -> {
                        Path file = out.resolve("state_dict.pt");
                        manifest.put("state_dict_bytes", TorchArchive.writeStateDict(model, file));
                        files.add(file);
                    }
                    case "csr" -> {
                        byte[] bytes = csr(model);
                        Path file = out.resolve("model.csr");
                        RunFolder.writeAtomic(file, bytes);
                        files.add(file);
                        csrBytes = bytes.length;
                    }
                    default ->
                            throw new SprigException(
                                    "unknown export format '"
                                            + f
                                            + "' (known: djl, torchscript, state_dict, csr)");
                }
            }
            long dense = 0;
            for (NamedParameter p : model.parameters().values()) {
                dense += 4 * p.size();
            }
            manifest.put("dense_float32_bytes", dense);
            if (csrBytes > 0) {
                manifest.put("csr_bytes", csrBytes);
                manifest.put("csr_vs_dense", (double) csrBytes / dense);
            }
            Path json = out.resolve("model.json");
            RunFolder.writeAtomic(json, Json.pretty(manifest) + "\n");
            files.add(json);
            return new Result(files, dense, csrBytes);
        } catch (IOException e) {
            throw new SprigException("cannot export to " + out + ": " + e.getMessage());
        }
    }

    private static byte[] csr(SprigModel model) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeUTF(CSR_MAGIC);
        out.writeInt(CSR_VERSION);
        Map<String, NamedParameter> params = model.parameters();
        out.writeInt(params.size());
        for (NamedParameter p : params.values()) {
            float[] v = p.array().toFloatArray();
            long[] shape = p.array().getShape().getShape();
            out.writeUTF(p.name());
            out.writeInt(shape.length);
            for (long d : shape) {
                out.writeLong(d);
            }
            boolean sparse = p.role() == ParameterRole.WEIGHT && p.layer().kind().isPrunable();
            out.writeBoolean(sparse);
            if (!sparse) {
                for (float x : v) {
                    out.writeFloat(x);
                }
                continue;
            }
            int rows = (int) shape[0];
            int cols = v.length / rows;
            int nnz = 0;
            for (float x : v) {
                nnz += x != 0 ? 1 : 0;
            }
            out.writeInt(rows);
            out.writeInt(cols);
            out.writeInt(nnz);
            int seen = 0;
            out.writeInt(0);
            for (int r = 0; r < rows; r++) {
                for (int k = 0; k < cols; k++) {
                    if (v[r * cols + k] != 0) {
                        seen++;
                    }
                }
                out.writeInt(seen);
            }
            for (int i = 0; i < v.length; i++) {
                if (v[i] != 0) {
                    out.writeInt(i % cols);
                }
            }
            for (float x : v) {
                if (x != 0) {
                    out.writeFloat(x);
                }
            }
        }
        out.flush();
        return bytes.toByteArray();
    }

    /**
     * Reads a {@code model.csr} into a model of the same architecture.
     *
     * @param file the export
     * @param model target model (its parameters are replaced)
     */
    public static void loadCsr(Path file, SprigModel model) {
        try (DataInputStream in =
                new DataInputStream(new ByteArrayInputStream(Files.readAllBytes(file)))) {
            if (!CSR_MAGIC.equals(in.readUTF()) || in.readInt() != CSR_VERSION) {
                throw new SprigException(file + " is not a Sprig CSR export of this version");
            }
            int n = in.readInt();
            Map<String, NamedParameter> params = model.parameters();
            if (n < 0 || n > params.size()) {
                throw new SprigException(
                        file + " lists " + n + " parameters; the model has " + params.size());
            }
            for (int i = 0; i < n; i++) {
                String name = in.readUTF();
                NamedParameter p = params.get(name);
                int dims = in.readInt();
                long[] expected = p == null ? null : p.array().getShape().getShape();
                if (p == null || dims != expected.length) {
                    throw new SprigException(
                            file + ": parameter " + name + " does not fit this architecture");
                }
                for (int d = 0; d < dims; d++) {
                    if (in.readLong() != expected[d]) {
                        throw new SprigException(
                                file + ": parameter " + name + " does not fit this architecture");
                    }
                }
                float[] v = new float[(int) p.size()];
                if (!in.readBoolean()) {
                    for (int k = 0; k < v.length; k++) {
                        v[k] = in.readFloat();
                    }
                } else {
                    int rows = in.readInt();
                    int cols = in.readInt();
                    int nnz = in.readInt();
                    if (rows < 1
                            || cols < 1
                            || (long) rows * cols != v.length
                            || nnz < 0
                            || nnz > v.length) {
                        throw new SprigException(
                                file + ": the sparse rows of " + name + " do not fit its shape");
                    }
                    int[] rowPtr = new int[rows + 1];
                    for (int r = 0; r <= rows; r++) {
                        rowPtr[r] = in.readInt();
                        if (rowPtr[r] < 0
                                || rowPtr[r] > nnz
                                || (r > 0 && rowPtr[r] < rowPtr[r - 1])) {
                            throw new SprigException(
                                    file + ": the row pointers of " + name + " are damaged");
                        }
                    }
                    int[] col = new int[nnz];
                    for (int k = 0; k < nnz; k++) {
                        col[k] = in.readInt();
                        if (col[k] < 0 || col[k] >= cols) {
                            throw new SprigException(
                                    file + ": a column of " + name + " lies outside it");
                        }
                    }
                    for (int r = 0; r < rows; r++) {
                        for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
                            v[r * cols + col[k]] = in.readFloat();
                        }
                    }
                }
                NDArray a = p.array();
                HostValues.write(a, v);
            }
        } catch (IOException e) {
            throw new SprigException("cannot read " + file + ": " + e.getMessage());
        }
    }

    /**
     * Loads a DJL export into a model of the same architecture.
     *
     * @param dir the export folder
     * @param name the model name (the file prefix)
     * @param model target model
     */
    public static void loadDjl(Path dir, String name, SprigModel model) {
        try (Model m = Model.newInstance(name, model.device())) {
            m.setBlock(model.block());
            m.load(dir, name);
            // The loaded arrays belong to the DJL model's manager; keep them when it closes.
            for (NamedParameter p : model.parameters().values()) {
                p.array().attach(model.manager());
            }
        } catch (IOException | MalformedModelException e) {
            throw new SprigException("cannot load " + dir + ": " + e.getMessage());
        }
    }
}
