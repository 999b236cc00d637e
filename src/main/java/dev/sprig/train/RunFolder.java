package dev.sprig.train;

import dev.sprig.SprigException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
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
     * Everything Sprig writes into a run folder, and all that an overwrite removes: a pipeline's
     * phase folders above all, since a stale {@code retrain/} or {@code pruned/} would otherwise be
     * taken for the new run's own hand-off and resumed. Anything else in the folder is the user's:
     * an overwrite refuses to touch it.
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
                    "run",
                    "epi",
                    "ticket.json",
                    "oracle.json",
                    "eb_distances.json",
                    "evaluation.json",
                    "reliability.png",
                    "latency.json",
                    "log.txt",
                    "next-mask.bin",
                    "rewind.params");

    /** Numbered sub-runs: ensemble members and their dense runs, LTH rounds, EPI's oracle grid. */
    private static final Pattern SUB_RUNS = Pattern.compile("(member|dense|round|epoch)-\\d+");

    /**
     * The output of an ensemble's worker process, written into the member's folder as it trains.
     */
    static final String LOG = "log.txt";

    /** The lock file; held by the process that uses the folder. */
    static final String LOCK = ".lock";

    /** Folders this process has locked, held until it exits (the OS releases them on any exit). */
    private static final Map<Path, FileChannel> LOCKED = new ConcurrentHashMap<>();

    private final Path dir;

    private RunFolder(Path dir) {
        this.dir = dir;
    }

    /**
     * Opens (and creates) a run folder, locking it for the life of this process.
     *
     * @param dir the folder
     * @param mode what to do if it holds a run
     * @return the folder
     * @throws SprigException when another process uses it, when it holds a run and mode is NEW,
     *     when it holds none and mode is RESUME, or when an overwrite would delete files Sprig did
     *     not write
     */
    public static RunFolder open(Path dir, Mode mode) {
        RunFolder f = new RunFolder(dir);
        if (mode == Mode.OVERWRITE) {
            List<String> foreign = foreignEntries(dir);
            if (!foreign.isEmpty()) {
                throw new SprigException(
                        "--overwrite deletes only what Sprig wrote, but "
                                + dir
                                + " also holds "
                                + String.join(", ", foreign)
                                + ": move them away or choose another --out");
            }
        }
        lock(dir);
        switch (mode) {
            case NEW -> {
                if (holdsRun(dir)) {
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

    /** Whether a name is one Sprig writes into run folders. */
    static boolean isSprigEntry(String name) {
        return RUN_FILES.contains(name)
                || SUB_RUNS.matcher(name).matches()
                || name.equals(LOCK)
                || name.endsWith(".tmp");
    }

    /**
     * Says whether a folder holds a run: a file Sprig wrote (empty folders, the lock and
     * temporaries, what a run killed in its first moments leaves, do not count).
     *
     * @param dir the folder
     * @return true when it holds a run
     */
    public static boolean holdsRun(Path dir) {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : entries.toList()) {
                String name = p.getFileName().toString();
                if (!isSprigEntry(name)
                        || name.equals(LOCK)
                        || name.equals(LOG)
                        || name.endsWith(".tmp")) {
                    continue;
                }
                if (!Files.isDirectory(p)) {
                    return true;
                }
                try (Stream<Path> inside = Files.walk(p)) {
                    if (inside.anyMatch(Files::isRegularFile)) {
                        return true;
                    }
                }
            }
            return false;
        } catch (IOException e) {
            throw new SprigException("cannot read output folder " + dir + ": " + e.getMessage());
        }
    }

    /** Entries of a folder that Sprig did not write, sorted. */
    private static List<String> foreignEntries(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString())
                    .filter(n -> !isSprigEntry(n))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new SprigException("cannot read output folder " + dir + ": " + e.getMessage());
        }
    }

    /**
     * Locks a folder for this process: an OS file lock on {@code .lock}, released however the
     * process ends, so a lock left by a dead process is never mistaken for a live one. The file
     * names the holder (process id and host) for the message a second process gets.
     */
    private static void lock(Path dir) {
        Path key = dir.toAbsolutePath().normalize();
        if (LOCKED.containsKey(key)) {
            return;
        }
        synchronized (LOCKED) {
            if (LOCKED.containsKey(key)) {
                return;
            }
            Path file = dir.resolve(LOCK);
            try {
                Files.createDirectories(dir);
                FileChannel channel =
                        FileChannel.open(
                                file,
                                StandardOpenOption.CREATE,
                                StandardOpenOption.READ,
                                StandardOpenOption.WRITE);
                FileLock lock;
                try {
                    lock = channel.tryLock();
                } catch (java.nio.channels.OverlappingFileLockException e) {
                    lock = null;
                }
                if (lock == null) {
                    channel.close();
                    String holder = Files.readString(file, StandardCharsets.UTF_8).trim();
                    throw new SprigException(
                            "run folder "
                                    + dir
                                    + " is in use by "
                                    + (holder.isEmpty() ? "another process" : holder)
                                    + "; wait for it to end, or stop it, before using the folder");
                }
                channel.truncate(0);
                channel.write(
                        java.nio.ByteBuffer.wrap(
                                ("process "
                                                + ProcessHandle.current().pid()
                                                + " on "
                                                + host()
                                                + "\n")
                                        .getBytes(StandardCharsets.UTF_8)));
                channel.force(false);
                LOCKED.put(key, channel);
            } catch (IOException e) {
                throw new SprigException(
                        "cannot lock output folder " + dir + ": " + e.getMessage());
            }
        }
    }

    private static String host() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "this host";
        }
    }

    private void clear() {
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : entries.toList()) {
                String name = p.getFileName().toString();
                if (!isSprigEntry(name) || name.equals(LOCK) || name.equals(LOG)) {
                    continue; // the lock, and the log of the worker process now running this folder
                }
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
        } catch (java.nio.file.NoSuchFileException e) {
            // nothing to clear
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
     * Returns the path of the checkpoint before the latest, kept so that a damaged latest one never
     * loses the run.
     *
     * @return {@code checkpoints/last.prev.ckpt}
     */
    public Path previousCheckpoint() {
        return checkpointDir().resolve("last.prev.ckpt");
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
            try {
                Files.deleteIfExists(tmp); // a full disk must not leave half-written temporaries
            } catch (IOException ignored) {
                // the write error below is what the user needs to see
            }
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
