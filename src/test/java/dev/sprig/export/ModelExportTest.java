package dev.sprig.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.sprig.data.DataSplits;
import dev.sprig.models.SprigModel;
import dev.sprig.train.Methods;
import dev.sprig.train.RunFolder;
import dev.sprig.train.TrainConfig;
import dev.sprig.train.Trainer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelExportTest {
    @TempDir Path tmp;

    private Path trainedRun(String model, String method, double sparsity) {
        return trainedRun(model, method, sparsity, "dense");
    }

    private Path trainedRun(String model, String method, double sparsity, String exec) {
        TrainConfig c = new TrainConfig();
        c.method = method;
        c.model = model;
        c.widthMultiplier = 0.25;
        c.dataset = "synthetic";
        c.epochs = 1;
        c.maxStepsPerEpoch = 4;
        c.batchSize = 16;
        c.sparsity = sparsity;
        c.exec = exec;
        Path dir = tmp.resolve(model + "-" + method + "-" + exec);
        DataSplits data = DataSplits.load("synthetic", Path.of("."), 0.1, 0);
        new Trainer(c, data, RunFolder.open(dir, RunFolder.Mode.NEW), Methods.hooksFor(c), false)
                .chooseBackend()
                .run();
        return dir;
    }

    private static float[] predict(SprigModel m, NDArray x) {
        return m.forward(x, false).toFloatArray();
    }

    @Test
    void exportsLoadBackAndPredictTheSame() throws Exception {
        for (String model : List.of("lenet-300-100", "vgg-11")) {
            Path run = trainedRun(model, "rigl", 0.9);
            Path out = tmp.resolve("export-" + model);
            ModelExport.Result r =
                    ModelExport.export(
                            run, out, List.of("djl", "torchscript", "csr"), Device.cpu());
            // 90% sparse weights: CSR (value + column index) is well under dense float32.
            assertThat(r.csrBytes()).as(model).isLessThan(r.denseBytes() / 2);
            try (SprigModel original = ModelExport.load(run, Device.cpu());
                    SprigModel fromDjl =
                            ModelExport.build(
                                    dev.sprig.train.Json.readConfig(run.resolve("config.yaml")),
                                    Device.cpu());
                    SprigModel fromCsr =
                            ModelExport.build(
                                    dev.sprig.train.Json.readConfig(run.resolve("config.yaml")),
                                    Device.cpu());
                    NDManager m = NDManager.newBaseManager(Device.cpu())) {
                ModelExport.loadDjl(out, model, fromDjl);
                ModelExport.loadCsr(out.resolve("model.csr"), fromCsr);
                NDArray x = m.randomNormal(new ai.djl.ndarray.types.Shape(5, 1, 28, 28));
                float[] want = predict(original, x);
                assertThat(predict(fromDjl, x)).as(model + " djl").containsExactly(want);
                assertThat(predict(fromCsr, x)).as(model + " csr").containsExactly(want);
                try (ai.djl.Model ts = ai.djl.Model.newInstance("model", Device.cpu(), "PyTorch")) {
                    ts.load(out, "model");
                    float[] got =
                            ts.getBlock()
                                    .forward(
                                            new ai.djl.training.ParameterStore(m, false),
                                            new ai.djl.ndarray.NDList(x),
                                            false)
                                    .singletonOrThrow()
                                    .toFloatArray();
                    assertThat(got)
                            .as(model + " torchscript")
                            .containsExactly(want, org.assertj.core.data.Offset.offset(1e-4f));
                }
            }
        }
        assertThatThrownBy(
                        () ->
                                ModelExport.export(
                                        tmp, tmp.resolve("x"), List.of("onnx"), Device.cpu()))
                .hasMessageContaining("config");
    }

    @Test
    void anMlpTrainedOnTheSparsePathExportsItsCsrWeights() throws Exception {
        Path run = trainedRun("lenet-300-100", "rigl", 0.9, "sparse");
        assertThat(
                        dev.sprig.sparse.exec.SparseCheckpoint.isSparse(
                                run.resolve("checkpoints/last.ckpt")))
                .isTrue();
        Path out = tmp.resolve("export-sparse");
        ModelExport.export(run, out, List.of("torchscript", "csr"), Device.cpu());
        TrainConfig c = dev.sprig.train.Json.readConfig(run.resolve("config.yaml"));
        List<dev.sprig.models.LayerSpec> specs =
                dev.sprig.models.ModelZoo.specs(c.model, 1, 28, 10, c.widthMultiplier);
        try (dev.sprig.sparse.exec.WorkerPool pool = new dev.sprig.sparse.exec.WorkerPool(1);
                NDManager m = NDManager.newBaseManager(Device.cpu());
                ai.djl.Model ts = ai.djl.Model.newInstance("model", Device.cpu(), "PyTorch")) {
            dev.sprig.sparse.exec.SparseMlp trained =
                    dev.sprig.sparse.exec.SparseCheckpoint.network(
                            run.resolve("checkpoints/last.ckpt"), specs, pool);
            NDArray x = m.randomNormal(new ai.djl.ndarray.types.Shape(4, 1, 28, 28));
            float[] featureMajor = trained.forward(x.toFloatArray(), 4);
            float[] want = new float[featureMajor.length];
            for (int k = 0; k < 10; k++) {
                for (int n = 0; n < 4; n++) {
                    want[n * 10 + k] = featureMajor[k * 4 + n];
                }
            }
            ts.load(out, "model");
            float[] got =
                    ts.getBlock()
                            .forward(
                                    new ai.djl.training.ParameterStore(m, false),
                                    new ai.djl.ndarray.NDList(x),
                                    false)
                            .singletonOrThrow()
                            .toFloatArray();
            assertThat(got).containsExactly(want, org.assertj.core.data.Offset.offset(1e-4f));
            long nonzero = 0;
            try (SprigModel exported = ModelExport.load(run, Device.cpu())) {
                for (var p : exported.prunableWeights()) {
                    for (float v : p.array().toFloatArray()) {
                        nonzero += v != 0 ? 1 : 0;
                    }
                }
            }
            // exactly the checkpoint's stored weights (none of them happens to be zero after
            // training)
            assertThat(nonzero).isEqualTo(trained.layers().stream().mapToLong(l -> l.nnz()).sum());
        }
    }
}
