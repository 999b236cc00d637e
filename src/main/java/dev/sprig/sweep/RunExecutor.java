package dev.sprig.sweep;

import java.nio.file.Path;
import java.util.List;

/**
 * Where the runs of a grid train: in this JVM, in child JVMs on this machine, or as tasks of an
 * Apache Spark application ({@code --master}). Every executor ends each cell as an ordinary run
 * folder {@code out/<cell>/} and reports what became of it; a cell that fails does not stop the
 * others.
 */
public interface RunExecutor {
    /**
     * What became of one cell.
     *
     * @param cell the cell's name
     * @param error null when its run folder holds a finished run; else why it failed
     */
    record Outcome(String cell, String error) {
        /**
         * Says whether the cell finished.
         *
         * @return whether it has a summary
         */
        public boolean finished() {
            return error == null;
        }
    }

    /**
     * Trains cells (each either new or resumable from the checkpoint in its folder).
     *
     * @param cells the cells to train
     * @param out the sweep's folder
     * @return one outcome per cell, in the given order
     */
    List<Outcome> run(List<SweepCell> cells, Path out);

    /**
     * Names the executor for the sweep's log.
     *
     * @return e.g. {@code in-process}, {@code 2 child JVMs}, {@code spark local[2]}
     */
    String describe();
}
