package dev.sprig.cli;

import dev.sprig.Sprig;
import dev.sprig.export.ModelExport;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sprig export}: a run's trained model, for inference outside Sprig. */
@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        description =
                "Export a run's trained model: djl (DJL .params + model.json), torchscript"
                    + " (model.pt for torch.jit.load), state_dict (state_dict.pt for"
                    + " load_state_dict, PyTorch's parameter names) and csr (sparse rows per layer,"
                    + " with its real size against dense float32).")
final class ExportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "run folder with a checkpoint")
    Path dir;

    @Option(
            names = "--format",
            split = ",",
            description =
                    "djl, torchscript, state_dict, csr (default: djl,torchscript,csr;"
                            + " djl,state_dict,csr for recurrent models)")
    List<String> formats;

    @Option(names = "--out", description = "output folder (default: RUN_DIR/export)")
    Path out;

    @Option(names = "--device", description = "auto, cpu, gpu, gpu:N")
    String device;

    @Override
    public Integer call() {
        Path target = out != null ? out : dir.resolve("export");
        if (formats == null) {
            formats =
                    ModelExport.isRecurrentRun(dir)
                            ? List.of("djl", "state_dict", "csr")
                            : List.of("djl", "torchscript", "csr");
        }
        ModelExport.Result r =
                ModelExport.export(
                        dir,
                        target,
                        formats.stream().map(f -> f.trim().toLowerCase(Locale.ROOT)).toList(),
                        Sprig.device(device));
        ModelExport.checkpoints(dir).forEach(c -> System.out.println("exported the model of " + c));
        r.files().forEach(f -> System.out.println("wrote " + f));
        System.out.printf(Locale.ROOT, "dense float32: %,d bytes%n", r.denseBytes());
        if (r.csrBytes() > 0) {
            System.out.printf(
                    Locale.ROOT,
                    "csr: %,d bytes (%.3f of dense)%n",
                    r.csrBytes(),
                    (double) r.csrBytes() / r.denseBytes());
        }
        return 0;
    }
}
