package dev.sprig.sparse.exec;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * Runs a loop over {@code [0, n)} on a fixed number of threads, in contiguous chunks (rows of a
 * sparse matrix, features of an activation). Own pool rather than the common one, so that the
 * thread count is the run's {@code threads} setting and benchmarks compare like with like.
 */
public final class WorkerPool implements AutoCloseable {
    /** A piece of work over the indices {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeTask {
        /**
         * Processes a chunk.
         *
         * @param from first index
         * @param to one past the last index
         */
        void run(int from, int to);
    }

    private final int threads;
    private final ForkJoinPool pool;

    /**
     * Creates a pool.
     *
     * @param threads worker count; 0 or less means all available processors
     */
    public WorkerPool(int threads) {
        this.threads = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        this.pool = this.threads > 1 ? new ForkJoinPool(this.threads) : null;
    }

    /**
     * Returns the worker count.
     *
     * @return threads
     */
    public int threads() {
        return threads;
    }

    /**
     * Runs {@code task} over {@code [0, n)}, split into about four chunks per thread so that uneven
     * rows still balance.
     *
     * @param n range size
     * @param task the work
     */
    public void each(int n, RangeTask task) {
        if (pool == null || n < 2) {
            task.run(0, n);
            return;
        }
        int chunks = Math.min(n, threads * 4);
        pool.invoke(new Split(task, n, 0, chunks, chunks));
    }

    private static final class Split extends RecursiveAction {
        private final RangeTask task;
        private final int n;
        private final int lo;
        private final int hi;
        private final int chunks;

        Split(RangeTask task, int n, int lo, int hi, int chunks) {
            this.task = task;
            this.n = n;
            this.lo = lo;
            this.hi = hi;
            this.chunks = chunks;
        }

        @Override
        protected void compute() {
            if (hi - lo == 1) {
                int from = (int) ((long) n * lo / chunks);
                int to = (int) ((long) n * hi / chunks);
                if (from < to) {
                    task.run(from, to);
                }
                return;
            }
            int mid = (lo + hi) >>> 1;
            invokeAll(new Split(task, n, lo, mid, chunks), new Split(task, n, mid, hi, chunks));
        }
    }

    @Override
    public void close() {
        if (pool != null) {
            pool.shutdown();
        }
    }
}
