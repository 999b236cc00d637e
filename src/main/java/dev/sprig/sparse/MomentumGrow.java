package dev.sprig.sparse;

import java.util.Arrays;

/**
 * SNFS's growth as in RigL's code (Dettmers and Zettlemoyer, arXiv:1907.04840): |exponential moving
 * average of the dense gradient|, \( m \leftarrow \beta m + (1 - \beta) g \) every step. The
 * average is dense, so every step is charged a dense weight gradient.
 */
public final class MomentumGrow implements GrowCriterion {
    private final float decay;
    private final float blend;

    /**
     * Creates the criterion.
     *
     * @param decay β, in [0, 1) (SNFS: 0.9)
     */
    public MomentumGrow(double decay) {
        if (!(decay >= 0 && decay < 1)) {
            throw new IllegalArgumentException("snfs_decay must be in [0, 1), got " + decay);
        }
        this.decay = (float) decay;
        this.blend = (float) (1 - decay);
    }

    @Override
    public GradientUse gradientUse() {
        return GradientUse.EVERY_STEP;
    }

    @Override
    public int stateFloats() {
        return 1;
    }

    @Override
    public void accumulate(float[] state, int offset, float[] gradient) {
        for (int j = 0; j < gradient.length; j++) {
            state[offset + j] = state[offset + j] * decay + gradient[j] * blend;
        }
    }

    @Override
    public RowScores scores(Input in) {
        float[] s = in.state();
        return (from, to) -> Arrays.copyOfRange(s, from * in.cols(), to * in.cols());
    }
}
