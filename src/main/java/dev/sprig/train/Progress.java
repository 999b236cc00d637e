package dev.sprig.train;

import java.io.PrintStream;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows training progress: a live bar per epoch (throughput, loss, accuracy) on a terminal,
 * plain log lines otherwise (CI logs, files), so logs stay readable.
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
            void epochStart(int epoch, int epochs, int batches, int startBatch) {}

            @Override
            void step(long examples, double loss, double accuracy) {}

            @Override
            void epochEnd(String line) {}
        };
    }

    abstract void epochStart(int epoch, int epochs, int batches, int startBatch);

    abstract void step(long examples, double loss, double accuracy);

    abstract void epochEnd(String line);

    private static final class Bar extends Progress {
        private ProgressBar bar;
        private long startNanos;
        private long examples;

        @Override
        void epochStart(int epoch, int epochs, int batches, int startBatch) {
            bar = new ProgressBarBuilder()
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
        void step(long batchExamples, double loss, double accuracy) {
            examples += batchExamples;
            double secs = (System.nanoTime() - startNanos) / 1e9;
            bar.step();
            bar.setExtraMessage(String.format(" %.0f samples/s loss %.4f acc %.4f", examples / Math.max(secs, 1e-9), loss, accuracy));
        }

        @Override
        void epochEnd(String line) {
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
        void epochStart(int epoch, int epochs, int batches, int startBatch) {}

        @Override
        void step(long examples, double loss, double accuracy) {}

        @Override
        void epochEnd(String line) {
            out.println(line);
            out.flush();
        }
    }
}
