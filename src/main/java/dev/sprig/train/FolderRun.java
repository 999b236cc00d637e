package dev.sprig.train;

import dev.sprig.Sprig;
import dev.sprig.SprigException;
import dev.sprig.data.DataSplits;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Trains a run folder whose {@code config.yaml} is written (an ensemble member, a phase of one),
 * continuing from its checkpoint if it has one, here or in a child JVM: the one way every executor
 * trains such folders. The data are split with a given seed, so runs that belong together (an
 * ensemble's members) hold out the same validation images whatever their own seeds.
 */
public final class FolderRun {
    private FolderRun() {}

    /**
     * Trains the folder in this JVM.
     *
     * @param dir the run folder
     * @param dataSeed the seed of the validation split
     * @param progress where progress goes
     * @return the run's summary
     */
    public static RunSummary train(Path dir, long dataSeed, Progress progress) {
        TrainConfig m = Json.readConfig(dir.resolve("config.yaml"));
        return train(dir, DataSplits.load(m.dataRequest(dataSeed)), progress);
    }

    /**
     * Trains the folder in this JVM on data already loaded.
     *
     * @param dir the run folder
     * @param data the data
     * @param progress where progress goes
     * @return the run's summary
     */
    public static RunSummary train(Path dir, DataSplits data, Progress progress) {
        TrainConfig m = Json.readConfig(dir.resolve("config.yaml")).validate();
        boolean resume = Files.isRegularFile(dir.resolve("checkpoints/last.ckpt"));
        return Methods.get(m.method)
                .run(
                        new MethodRun(
                                m,
                                data,
                                dir,
                                resume ? RunFolder.Mode.RESUME : RunFolder.Mode.OVERWRITE,
                                progress));
    }

    /**
     * The command that trains folders in order in a child JVM of this one (same Java, flags and
     * class path), with a thread count for runs whose config leaves {@code threads} at 0.
     *
     * @param dirs the folders, trained in order
     * @param dataSeed the seed of the validation split
     * @param threads engine and kernel threads of the child
     * @return the command line
     */
    public static List<String> childCommand(List<Path> dirs, long dataSeed, int threads) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-Dai.djl.pytorch.num_threads=" + threads);
        cmd.add("-Dai.djl.pytorch.num_interop_threads=1");
        // Settings given to this JVM as properties (not arguments) hold for its children too.
        for (String key : List.of("sprig.exec.probe")) {
            String value = System.getProperty(key);
            if (value != null && !value.isBlank()) {
                cmd.add("-D" + key + "=" + value);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(FolderRun.class.getName());
        cmd.add(Long.toString(dataSeed));
        cmd.add(Integer.toString(threads));
        dirs.forEach(p -> cmd.add(p.toAbsolutePath().toString()));
        return cmd;
    }

    /**
     * Child JVM entry point: trains run folders in order; exits 2 with one line when Sprig refuses
     * (bad settings, missing data), which retrying would not fix.
     *
     * @param args data seed, threads, then run folders
     */
    public static void main(String[] args) {
        Sprig.forceOffline();
        try {
            long seed = Long.parseLong(args[0]);
            int threads = Integer.parseInt(args[1]);
            for (int i = 2; i < args.length; i++) {
                Path dir = Path.of(args[i]);
                TrainConfig c = Json.readConfig(dir.resolve("config.yaml"));
                if (c.threads == 0) {
                    c.threads = threads;
                    RunFolder.writeAtomic(dir.resolve("config.yaml"), Json.toYaml(c));
                }
                RunSummary s = train(dir, seed, Progress.silent());
                System.out.printf("%s: test accuracy %.4f%n", dir.getFileName(), s.testAccuracy());
            }
        } catch (SprigException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        }
    }
}
