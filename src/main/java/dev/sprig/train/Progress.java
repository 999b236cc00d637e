package dev.sprig.train;

import java.io.PrintStream;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows training progress: a live bar per epoch (throughput, loss, accuracy) on a terminal, plain
 * log lines otherwise (CI logs, files), so logs stay readable.
 */
public abstract class Progress {
    /**
     * Picks the terminal bar when stdout is a console, plain lines otherwise.
     *
     * @param out where plain lines go
     * @return the reporter
     */
    public static Progress auto(PrintStream out) {
        return System.console() != null ? new Bar() : new Lines(out);
    }

    /**
     * A reporter that prints nothing (tests, benchmarks).
     *
     * @return the reporter
     */
    public static Progress silent() {
        return new Progress() {
            @Override
            public void epochStart(int epoch, int epochs, int batches, int startBatch) {}

            @Override
            public void step(long examples, double loss, double accuracy) {}

            @Override
            public void epochEnd(String line) {}
        };
    }

    /**
     * Announces an epoch.
     *
     * @param epoch epoch number from 1
     * @param epochs total epochs
     * @param batches batches in the epoch
     * @param startBatch first batch (after a resume)
     */
    public abstract void epochStart(int epoch, int epochs, int batches, int startBatch);

    /**
     * Reports one training step.
     *
     * @param examples examples in the step
     * @param loss running mean loss
     * @param accuracy running accuracy
     */
    public abstract void step(long examples, double loss, double accuracy);

    /**
     * Closes an epoch with its summary line.
     *
     * @param line the line
     */
    public abstract void epochEnd(String line);

    private static final class Bar extends Progress {
        private ProgressBar bar;
        private long startNanos;
        private long examples;

        @Override
        public void epochStart(int epoch, int epochs, int batches, int startBatch) {
            bar =
                    new ProgressBarBuilder()
                            .setTaskName("epoch " + epoch + "/" + epochs)
                            .setInitialMax(batches)
                            .setStyle(ProgressBarStyle.ASCII)
                            .setUpdateIntervalMillis(250)
                            .continuousUpdate()
                            .build();
            bar.stepTo(startBatch);
            startNanos = System.nanoTime();
            examples = 0;
        }

        @Override
        public void step(long batchExamples, double loss, double accuracy) {
            examples += batchExamples;
            double secs = (System.nanoTime() - startNanos) / 1e9;
            bar.step();
            bar.setExtraMessage(
                    String.format(
                            " %.0f samples/s loss %.4f acc %.4f",
                            examples / Math.max(secs, 1e-9), loss, accuracy));
        }

        @Override
        public void epochEnd(String line) {
            bar.close();
            System.out.println(line);
        }
    }

    private static final class Lines extends Progress {
        private final PrintStream out;

        Lines(PrintStream out) {
            this.out = out;
        }

        @Override
        public void epochStart(int epoch, int epochs, int batches, int startBatch) {}

        @Override
        public void step(long examples, double loss, double accuracy) {}

        @Override
        public void epochEnd(String line) {
            out.println(line);
            out.flush();
        }
    }
}
