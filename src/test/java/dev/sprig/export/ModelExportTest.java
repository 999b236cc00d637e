package dev.sprig.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.sprig.data.DataSplits;
import dev.sprig.models.SprigModel;
import dev.sprig.sparse.SparseMethods;
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
        TrainConfig c = new TrainConfig();
        c.method = method;
        c.model = model;
        c.widthMultiplier = 0.25;
        c.dataset = "synthetic";
        c.epochs = 1;
        c.maxStepsPerEpoch = 4;
        c.batchSize = 16;
        c.sparsity = sparsity;
        c.exec = "dense";
        Path dir = tmp.resolve(model + "-" + method);
        new Trainer(c, DataSplits.load("synthetic", Path.of("."), 0.1, 0), RunFolder.open(dir, RunFolder.Mode.NEW),
                SparseMethods.hooksFor(c), false).run();
        return dir;
    }

    private static float[] predict(SprigModel m, NDArray x) {
        return m.forward(x, false).toFloatArray();
    }

    @Test
    void exportsLoadBackAndPredictTheSame() {
        for (String model : List.of("lenet-300-100", "vgg-11")) {
            Path run = trainedRun(model, "rigl", 0.9);
            Path out = tmp.resolve("export-" + model);
            ModelExport.Result r = ModelExport.export(run, out, List.of("djl", "csr"), Device.cpu());
            // 90% sparse weights: CSR (value + column index) is well under dense float32.
            assertThat(r.csrBytes()).as(model).isLessThan(r.denseBytes() / 2);
            try (SprigModel original = ModelExport.load(run, Device.cpu());
                    SprigModel fromDjl = ModelExport.build(dev.sprig.train.Json.readConfig(run.resolve("config.yaml")), Device.cpu());
                    SprigModel fromCsr = ModelExport.build(dev.sprig.train.Json.readConfig(run.resolve("config.yaml")), Device.cpu());
                    NDManager m = NDManager.newBaseManager(Device.cpu())) {
                ModelExport.loadDjl(out, model, fromDjl);
                ModelExport.loadCsr(out.resolve("model.csr"), fromCsr);
                NDArray x = m.randomNormal(new ai.djl.ndarray.types.Shape(5, 1, 28, 28));
                float[] want = predict(original, x);
                assertThat(predict(fromDjl, x)).as(model + " djl").containsExactly(want);
                assertThat(predict(fromCsr, x)).as(model + " csr").containsExactly(want);
            }
        }
        assertThatThrownBy(() -> ModelExport.export(tmp, tmp.resolve("x"), List.of("onnx"), Device.cpu()))
                .hasMessageContaining("config");
    }
}
