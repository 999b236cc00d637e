package dev.sprig.train;

import dev.sprig.SprigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The output folder of one run: {@code config.yaml}, {@code metrics.jsonl}, {@code summary.json},
 * {@code checkpoints/} and plots.
 *
 * <p>A folder that already holds a run is never overwritten by accident: opening it fails unless
 * the caller asks to resume or to overwrite. Every file is written to a temporary name and renamed
 * into place, so a killed run leaves either the old or the new version of each file.
 */
public final class RunFolder {
    /** How to treat a folder that may already hold a run. */
    public enum Mode {
        /** Refuse a folder that holds a run. */
        NEW,
        /** Delete the previous run's files first. */
        OVERWRITE,
        /** Continue the run from its last checkpoint. */
        RESUME
    }

    /**
     * What a run leaves in its folder, all of it removed by an overwrite: a pipeline's phase
     * folders above all, since a stale {@code retrain/} or {@code pruned/} would otherwise be taken
     * for the new run's own hand-off and resumed.
     */
    private static final List<String> RUN_FILES =
            List.of(
                    "config.yaml",
                    "metrics.jsonl",
                    "summary.json",
                    "provenance.json",
                    "checkpoints",
                    "plots",
                    "export",
                    "search",
                    "retrain",
                    "finetune",
                    "warmup",
                    "pruned",
                    "eb_distances.json",
                    "evaluation.json",
                    "latency.json");

    private final Path dir;

    private RunFolder(Path dir) {
        this.dir = dir;
    }

    /**
     * Opens (and creates) a run folder.
     *
     * @param dir the folder
     * @param mode what to do if it holds a run
     * @return the folder
     * @throws SprigException when it holds a run and mode is NEW, or holds none and mode is RESUME
     */
    public static RunFolder open(Path dir, Mode mode) {
        RunFolder f = new RunFolder(dir);
        boolean holdsRun = RUN_FILES.stream().anyMatch(n -> Files.exists(dir.resolve(n)));
        switch (mode) {
            case NEW -> {
                if (holdsRun) {
                    throw new SprigException(
                            "output folder "
                                    + dir
                                    + " already holds a run; pass --resume to continue it or"
                                    + " --overwrite to replace it");
                }
            }
            case OVERWRITE -> f.clear();
            case RESUME -> {
                if (!Files.isRegularFile(f.config())) {
                    throw new SprigException("nothing to resume: no run in " + dir);
                }
            }
        }
        try {
            Files.createDirectories(f.checkpointDir());
        } catch (IOException e) {
            throw new SprigException("cannot create output folder " + dir + ": " + e.getMessage());
        }
        return f;
    }

    private void clear() {
        try {
            for (String name : RUN_FILES) {
                Path p = dir.resolve(name);
                if (Files.isDirectory(p)) {
                    try (Stream<Path> walk = Files.walk(p)) {
                        for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                            Files.delete(q);
                        }
                    }
                } else {
                    Files.deleteIfExists(p);
                }
            }
            if (Files.isDirectory(dir)) {
                try (Stream<Path> pngs = Files.list(dir)) {
                    for (Path png : pngs.filter(p -> p.toString().endsWith(".png")).toList()) {
                        Files.delete(png);
                    }
                }
            }
        } catch (IOException e) {
            throw new SprigException("cannot clear output folder " + dir + ": " + e.getMessage());
        }
    }

    /**
     * Returns the folder.
     *
     * @return the path
     */
    public Path dir() {
        return dir;
    }

    /**
     * Returns the resolved config's path.
     *
     * @return {@code config.yaml}
     */
    public Path config() {
        return dir.resolve("config.yaml");
    }

    /**
     * Returns the metrics path.
     *
     * @return {@code metrics.jsonl}
     */
    public Path metrics() {
        return dir.resolve("metrics.jsonl");
    }

    /**
     * Returns the summary path.
     *
     * @return {@code summary.json}
     */
    public Path summary() {
        return dir.resolve("summary.json");
    }

    /**
     * Returns the checkpoint folder.
     *
     * @return {@code checkpoints/}
     */
    public Path checkpointDir() {
        return dir.resolve("checkpoints");
    }

    /**
     * Returns the path of the latest checkpoint.
     *
     * @return {@code checkpoints/last.ckpt}
     */
    public Path lastCheckpoint() {
        return checkpointDir().resolve("last.ckpt");
    }

    /**
     * Returns the path of the best-validation checkpoint.
     *
     * @return {@code checkpoints/best.ckpt}
     */
    public Path bestCheckpoint() {
        return checkpointDir().resolve("best.ckpt");
    }

    /**
     * Writes text atomically.
     *
     * @param target destination
     * @param text content
     */
    public static void writeAtomic(Path target, String text) {
        writeAtomic(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Writes bytes to a temporary sibling, then renames it over the target.
     *
     * @param target destination
     * @param data content
     * @throws SprigException when the file cannot be written
     */
    public static void writeAtomic(Path target, byte[] data) {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try {
            Path parent = target.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.write(tmp, data);
            moveOver(tmp, target);
        } catch (IOException e) {
            throw new SprigException("cannot write " + target + ": " + e.getMessage());
        }
    }

    /**
     * Renames a finished temporary file over its target, atomically where the file system can: the
     * last step of every write that must never leave a half-written file behind.
     *
     * @param tmp the complete temporary file
     * @param target destination
     * @throws IOException when the rename fails
     */
    public static void moveOver(Path tmp, Path target) throws IOException {
        try {
            Files.move(
                    tmp,
                    target,
                    StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
