package dev.sprig.train;

import java.util.ArrayList;
import java.util.List;

/**
 * How Sprig summarises repeated timings (benchmark rounds, the execution probe's rounds): the
 * median, because one round slowed by something else on the machine must not move the result.
 */
public final class TimedRounds {
    private TimedRounds() {}

    /**
     * Returns the median of some timings (the mean of the middle two for an even count).
     *
     * @param values the timings
     * @return their median, NaN when there are none
     */
    public static double median(List<Double> values) {
        List<Double> s = new ArrayList<>(values);
        s.sort(Double::compare);
        if (s.isEmpty()) {
            return Double.NaN;
        }
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}
