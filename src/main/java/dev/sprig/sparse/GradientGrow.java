package dev.sprig.sparse;

/**
 * RigL's growth (Evci et al., arXiv:1911.11134): |dense gradient| of the update step's batch. The
 * dense gradient is computed on update steps only, which is what RigL is charged for.
 */
public final class GradientGrow implements GrowCriterion {
    @Override
    public GradientUse gradientUse() {
        return GradientUse.ON_UPDATE;
    }

    @Override
    public RowScores scores(Input in) {
        return in.gradient();
    }
}
