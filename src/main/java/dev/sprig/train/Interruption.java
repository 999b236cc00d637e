package dev.sprig.train;

import dev.sprig.SprigException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A request to stop training cleanly (Ctrl-C, SIGTERM): the {@link Trainer} checks it at every step
 * boundary, writes a checkpoint there and ends the run with {@link Stopped}, which says where it
 * stopped and how to resume. The command line installs the signal handlers; a second request ends
 * the process at once.
 */
public final class Interruption {
    private static volatile String signal;
    private static final AtomicInteger TRAINING = new AtomicInteger();

    private Interruption() {}

    /**
     * Asks running trainings to stop at their next step boundary.
     *
     * @param name the signal's name (INT, TERM), for the exit status and the message
     */
    public static void request(String name) {
        signal = name;
    }

    /**
     * Says whether a stop was requested.
     *
     * @return true after {@link #request}
     */
    public static boolean requested() {
        return signal != null;
    }

    /**
     * Returns the signal that asked for the stop.
     *
     * @return INT, TERM or another name; null when none was requested
     */
    public static String signal() {
        return signal;
    }

    /**
     * Says whether a training loop is running in this process, so a signal can wait for its next
     * step boundary; without one, there is nothing to save and the process may end at once.
     *
     * @return true while a {@link Trainer} runs
     */
    public static boolean training() {
        return TRAINING.get() > 0;
    }

    static void enter() {
        TRAINING.incrementAndGet();
    }

    static void exit() {
        TRAINING.decrementAndGet();
    }

    /** Forgets a request (tests, and a process that trains again after handling one). */
    public static void clear() {
        signal = null;
    }

    /** A run that stopped on request, its checkpoint written. */
    public static final class Stopped extends SprigException {
        private static final long serialVersionUID = 1L;

        /**
         * Creates the exception.
         *
         * @param epoch the 1-based epoch the run stopped in
         * @param step optimiser steps done
         * @param folder where the checkpoint is, or null
         */
        public Stopped(int epoch, long step, RunFolder folder) {
            super(
                    "stopped in epoch "
                            + epoch
                            + " after step "
                            + step
                            + (folder == null
                                    ? " (no output folder: nothing kept)"
                                    : "; checkpoint written; continue with: sprig train --resume"
                                            + " --out "
                                            + folder.dir()));
        }

        /**
         * Returns the exit status for the signal: 128 + its number (130 for INT, 143 for TERM).
         *
         * @return the status
         */
        public int exitStatus() {
            return "TERM".equals(signal) ? 143 : 130;
        }
    }
}
