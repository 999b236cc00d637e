package dev.sprig.sparse;

import java.util.SplittableRandom;

/**
 * SET's growth (Mocanu et al., arXiv:1707.04780): uniform random scores, drawn from (seed, "grow",
 * step, layer) so that a resumed run draws the same connections.
 */
public final class RandomGrow implements GrowCriterion {
    @Override
    public GradientUse gradientUse() {
        return GradientUse.NONE;
    }

    @Override
    public RowScores scores(Input in) {
        SplittableRandom r = in.seeds().derive("grow", in.step(), in.layerIndex());
        return (from, to) -> {
            float[] s = new float[(to - from) * in.cols()];
            for (int i = 0; i < s.length; i++) {
                s[i] = (float) r.nextDouble();
            }
            return s;
        };
    }
}
