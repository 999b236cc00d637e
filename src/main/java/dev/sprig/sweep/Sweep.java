package dev.sprig.sweep;

import dev.sprig.SprigException;
import dev.sprig.report.Report;
import dev.sprig.train.Json;
import dev.sprig.train.RunExecutor;
import dev.sprig.train.RunFolder;
import dev.sprig.train.RunSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs a grid into a folder and tabulates it: each cell is an ordinary run folder {@code
 * out/<cell>/}; {@code sweep.json} and {@code sweep.csv} hold one row per run and one per group
 * (the cell's values less the seed) with the mean, sample standard deviation and count over seeds
 * of test accuracy, test loss, training-FLOPs ratio and wall time. Started again, a sweep skips
 * finished cells and resumes the others from their checkpoints; a cell that fails is reported with
 * its error while the others complete.
 */
public final class Sweep {
    /** The figures averaged over seeds, as {@code summary.json} names them. */
    static final List<String> FIGURES =
            List.of("test_accuracy", "test_loss", "train_flops_ratio", "wall_seconds");

    private Sweep() {}

    /**
     * What a sweep produced.
     *
     * @param runs one row per cell (its values, figures or error)
     * @param groups one row per group (mean, std and count of each figure)
     * @param trained cells trained by this call
     * @param skipped cells found finished
     * @param failed cells that failed
     */
    public record Result(
            List<Map<String, Object>> runs,
            List<Map<String, Object>> groups,
            int trained,
            int skipped,
            int failed) {}

    /**
     * Runs the grid's unfinished cells and writes the tables.
     *
     * @param grid the grid
     * @param out the sweep's folder
     * @param executor where cells train
     * @return the tables
     */
    public static Result run(SweepGrid grid, Path out, RunExecutor executor) {
        List<SweepCell> cells = grid.cells();
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new SprigException("cannot create sweep folder " + out + ": " + e.getMessage());
        }
        List<SweepCell> todo = new ArrayList<>();
        for (SweepCell c : cells) {
            if (!CellRun.finished(out.resolve(c.name()))) {
                todo.add(c);
            }
        }
        System.err.printf(
                Locale.ROOT,
                "sweep: %d cells, %d finished, training %d %s%n",
                cells.size(),
                cells.size() - todo.size(),
                todo.size(),
                executor.describe());
        Map<String, String> errors = new LinkedHashMap<>();
        List<RunExecutor.Job> jobs = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (SweepCell c : todo) {
            Path dir = out.resolve(c.name());
            try {
                jobs.add(RunExecutor.Job.of(dir, CellRun.prepare(c, dir)));
                names.add(c.name());
            } catch (SprigException e) {
                errors.put(c.name(), e.getMessage());
            }
        }
        if (!jobs.isEmpty()) {
            List<RunExecutor.Outcome> outcomes = executor.run(jobs);
            for (int i = 0; i < outcomes.size(); i++) {
                if (outcomes.get(i).finished()) {
                    Report.writeRunPlots(out.resolve(names.get(i)));
                } else {
                    errors.put(names.get(i), outcomes.get(i).error());
                }
            }
        }
        Result r = tabulate(cells, out, errors, todo.size());
        write(out, r);
        return r;
    }

    /** Reads every cell's summary and averages each group over its finished runs. */
    static Result tabulate(
            List<SweepCell> cells, Path out, Map<String, String> errors, int trained) {
        List<Map<String, Object>> runs = new ArrayList<>();
        Map<String, List<Map<String, Object>>> byGroup = new LinkedHashMap<>();
        int failed = 0;
        for (SweepCell c : cells) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("cell", c.name());
            row.put("group", c.group());
            c.values().forEach((k, v) -> row.put(k, Json.JSON.convertValue(v, Object.class)));
            Path dir = out.resolve(c.name());
            byGroup.computeIfAbsent(c.group(), g -> new ArrayList<>());
            if (CellRun.finished(dir)) {
                Map<String, Object> s = RunSummary.read(dir).toMap();
                row.put("status", "finished");
                for (String f : FIGURES) {
                    row.put(f, s.get(f));
                }
                byGroup.get(c.group()).add(row);
            } else {
                failed++;
                row.put("status", "failed");
                row.put(
                        "error",
                        errors.getOrDefault(
                                c.name(), "not finished (interrupted before it ended)"));
            }
            runs.add(row);
        }
        List<Map<String, Object>> groups = new ArrayList<>();
        for (Map.Entry<String, List<Map<String, Object>>> g : byGroup.entrySet()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("group", g.getKey());
            row.put("count", g.getValue().size());
            for (String f : FIGURES) {
                double[] v =
                        g.getValue().stream()
                                .mapToDouble(r -> ((Number) r.get(f)).doubleValue())
                                .toArray();
                row.put(f + "_mean", v.length == 0 ? null : mean(v));
                row.put(f + "_std", v.length == 0 ? null : std(v));
            }
            groups.add(row);
        }
        return new Result(runs, groups, trained, cells.size() - trained, failed);
    }

    static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    /** Sample standard deviation (n - 1); 0 for a single run. */
    static double std(double[] v) {
        if (v.length < 2) {
            return 0;
        }
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / (v.length - 1));
    }

    private static void write(Path out, Result r) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("runs", r.runs());
        json.put("groups", r.groups());
        RunFolder.writeAtomic(out.resolve("sweep.json"), Json.pretty(json) + "\n");
        List<String> columns = new ArrayList<>(List.of("kind", "cell", "group", "status", "count"));
        for (Map<String, Object> row : r.runs()) {
            for (String k : row.keySet()) {
                if (!columns.contains(k) && !FIGURES.contains(k) && !k.equals("error")) {
                    columns.add(k);
                }
            }
        }
        for (String f : FIGURES) {
            columns.add(f);
            columns.add(f + "_std");
        }
        columns.add("error");
        StringBuilder csv = new StringBuilder(String.join(",", columns)).append('\n');
        for (Map<String, Object> row : r.runs()) {
            csv.append(csvRow(columns, "run", row, false));
        }
        for (Map<String, Object> row : r.groups()) {
            csv.append(csvRow(columns, "group", row, true));
        }
        RunFolder.writeAtomic(out.resolve("sweep.csv"), csv.toString());
    }

    private static String csvRow(
            List<String> columns, String kind, Map<String, Object> row, boolean group) {
        List<String> cells = new ArrayList<>();
        for (String c : columns) {
            Object v;
            if (c.equals("kind")) {
                v = kind;
            } else if (group && FIGURES.contains(c)) {
                v = row.get(c + "_mean");
            } else {
                v = row.get(c);
            }
            cells.add(csv(v));
        }
        return String.join(",", cells) + "\n";
    }

    private static String csv(Object v) {
        if (v == null) {
            return "";
        }
        String s = v.toString();
        return s.contains(",") || s.contains("\"") || s.contains("\n")
                ? "\"" + s.replace("\"", "\"\"") + "\""
                : s;
    }
}
