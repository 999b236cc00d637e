package dev.sprig.data;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Fills training batches ahead of the step that consumes them, on worker threads, so that
 * augmentation and normalisation overlap the engine's work instead of adding to it.
 *
 * <p>Each batch is {@link BatchSource#batch(int, int)} of its (epoch, batch) position, a pure
 * function of the seed and the position: what a worker fills is what the training thread would have
 * filled, so results do not depend on the number of workers. At most {@code depth} batches are
 * filled or held ahead (bounded memory). Batches are requested in training order; a request out of
 * order (a resumed run, a run stopped early) drops what was filled ahead and starts again from
 * there.
 */
public final class BatchPrefetcher implements AutoCloseable {
    private final BatchSource source;
    private final int stepsPerEpoch;
    private final int depth;
    private final ExecutorService pool;
    private final ArrayDeque<Pending> ahead = new ArrayDeque<>();
    private int nextEpoch;
    private int nextBatch;

    private record Pending(
            int epoch, int batch, CompletableFuture<BatchSource.Batch> batchFuture) {}

    /**
     * Creates a prefetcher.
     *
     * @param source the training batches
     * @param stepsPerEpoch batches each epoch consumes (it may stop before the set's end)
     * @param workers filling threads; 0 fills each batch on the caller's thread when asked
     * @param depth batches filled ahead at most
     */
    public BatchPrefetcher(BatchSource source, int stepsPerEpoch, int workers, int depth) {
        if (workers < 0 || depth < 1 || stepsPerEpoch < 1) {
            throw new IllegalArgumentException(
                    "workers >= 0, depth >= 1 and steps >= 1 required: "
                            + workers
                            + ", "
                            + depth
                            + ", "
                            + stepsPerEpoch);
        }
        this.source = source;
        this.stepsPerEpoch = stepsPerEpoch;
        this.depth = depth;
        this.pool =
                workers == 0
                        ? null
                        : Executors.newFixedThreadPool(
                                workers,
                                r -> {
                                    Thread t = new Thread(r, "sprig-batches");
                                    t.setDaemon(true);
                                    return t;
                                });
    }

    /**
     * Returns batch {@code batch} of epoch {@code epoch}, and queues the ones after it.
     *
     * @param epoch epoch index
     * @param batch batch index within the epoch
     * @return the batch
     */
    public BatchSource.Batch batch(int epoch, int batch) {
        if (pool == null) {
            return source.batch(epoch, batch);
        }
        Pending head = ahead.peekFirst();
        if (head == null || head.epoch != epoch || head.batch != batch) {
            drop();
            nextEpoch = epoch;
            nextBatch = batch;
            enqueue();
        }
        Pending p = ahead.pollFirst();
        refill();
        try {
            return p.batchFuture.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a batch", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("filling batch " + batch + " failed", e.getCause());
        }
    }

    private void refill() {
        while (ahead.size() < depth) {
            enqueue();
        }
    }

    private void enqueue() {
        int e = nextEpoch;
        int b = nextBatch;
        ahead.addLast(
                new Pending(e, b, CompletableFuture.supplyAsync(() -> source.batch(e, b), pool)));
        if (++nextBatch >= stepsPerEpoch) {
            nextBatch = 0;
            nextEpoch++;
        }
    }

    private void drop() {
        for (Pending p : ahead) {
            p.batchFuture.cancel(false);
        }
        ahead.clear();
    }

    @Override
    public void close() {
        drop();
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
