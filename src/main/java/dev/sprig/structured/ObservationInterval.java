package dev.sprig.structured;

import dev.sprig.SprigException;
import java.util.Locale;

/**
 * How often a {@link StabilityTrigger} looks at the network: once per epoch (the papers' setting),
 * every N optimiser steps, a fraction of the schedule, or {@code auto}.
 *
 * <p>Why not always per epoch: Early-Bird's queue of five masks and EPI's window of past
 * architectures are counted in observations, so per epoch neither can fire before epoch 5 (or r +
 * window), which on a 10-epoch schedule is half the run. Observing every N steps keeps the rule and
 * its thresholds (queue, ε, r, τ, window are all "in observations") and only changes how much
 * training lies between two looks.
 *
 * <p>{@code auto} observes {@value #AUTO_OBSERVATIONS} times per run, but never less often than
 * once per epoch: {@code min(steps per epoch, max(1, total steps / 50))}. From 50 epochs up that is
 * once per epoch, so the published 160-epoch settings run unchanged; a 10-epoch run looks five
 * times per epoch. Why fifty: Early-Bird's queue of five then spans a tenth of the run, so the
 * earliest ticket can appear at 10% of the schedule, where the paper's tickets appear (10-20% of
 * 160 epochs); per epoch on a 10-epoch run the earliest is 50%.
 *
 * @param kind how the interval is given
 * @param value steps (STEPS) or fraction of all steps (FRACTION); unused otherwise
 */
public record ObservationInterval(Kind kind, double value) {
    /** How an interval is given. */
    public enum Kind {
        /** At every epoch end (and, for Early-Bird, at the start of training). */
        EPOCH,
        /** Every {@code value} optimiser steps. */
        STEPS,
        /** Every {@code value} of all the run's steps. */
        FRACTION,
        /** Scaled to the schedule: see the class comment. */
        AUTO
    }

    /** Observations per run {@code auto} aims for. */
    public static final int AUTO_OBSERVATIONS = 50;

    /** Once per epoch, the papers' behaviour. */
    public static final ObservationInterval PER_EPOCH = new ObservationInterval(Kind.EPOCH, 0);

    /**
     * Parses a setting: {@code epoch}, {@code auto}, a whole number of steps ({@code 200}) or a
     * fraction of the schedule in (0, 1) written with a decimal point ({@code 0.02}).
     *
     * @param text the setting
     * @param key its name, for the error message
     * @return the interval
     * @throws SprigException naming the key and value when it is none of these
     */
    public static ObservationInterval parse(String text, String key) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("epoch")) {
            return PER_EPOCH;
        }
        if (t.equals("auto")) {
            return new ObservationInterval(Kind.AUTO, 0);
        }
        try {
            if (t.matches("[0-9]+")) {
                long steps = Long.parseLong(t);
                if (steps >= 1) {
                    return new ObservationInterval(Kind.STEPS, steps);
                }
            } else {
                double f = Double.parseDouble(t);
                if (f > 0 && f < 1) {
                    return new ObservationInterval(Kind.FRACTION, f);
                }
            }
        } catch (NumberFormatException e) {
            // falls through to the message below
        }
        throw new SprigException(
                key
                        + " must be epoch, auto, a number of steps >= 1 or a fraction of the"
                        + " schedule in (0, 1), got '"
                        + text
                        + "'");
    }

    /**
     * Returns the interval in optimiser steps for a schedule.
     *
     * @param stepsPerEpoch steps in one epoch
     * @param epochs epochs in the schedule
     * @return steps between two observations, at least 1
     */
    public long steps(int stepsPerEpoch, int epochs) {
        long total = (long) stepsPerEpoch * epochs;
        return switch (kind) {
            case EPOCH -> stepsPerEpoch;
            case STEPS -> (long) value;
            case FRACTION -> Math.max(1, Math.round(value * total));
            case AUTO -> Math.min(stepsPerEpoch, Math.max(1, total / AUTO_OBSERVATIONS));
        };
    }

    /**
     * Says whether the trigger observes at epoch ends, exactly as the papers do: per epoch, or an
     * interval that resolves to one epoch (auto on a long schedule).
     *
     * @param stepsPerEpoch steps in one epoch
     * @param epochs epochs in the schedule
     * @return true for the per-epoch behaviour
     */
    public boolean perEpoch(int stepsPerEpoch, int epochs) {
        return kind == Kind.EPOCH || steps(stepsPerEpoch, epochs) == stepsPerEpoch;
    }

    /**
     * Returns the setting as written.
     *
     * @return {@code epoch}, {@code auto}, the steps or the fraction
     */
    public String text() {
        return switch (kind) {
            case EPOCH -> "epoch";
            case AUTO -> "auto";
            case STEPS -> Long.toString((long) value);
            case FRACTION -> Double.toString(value);
        };
    }
}
