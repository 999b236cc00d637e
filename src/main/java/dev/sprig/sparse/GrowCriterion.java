package dev.sprig.sparse;

/**
 * Which inactive connections a dynamic sparse method regrows: the score is computed for every
 * weight and the highest-scoring inactive ones are chosen.
 */
public enum GrowCriterion {
    /** SET (Mocanu et al., arXiv:1707.04780): uniform random scores from (seed, step, layer). */
    RANDOM,
    /** RigL (Evci et al., arXiv:1911.11134): |dense gradient| of the current mini-batch. */
    GRADIENT,
    /** SNFS as in RigL's code (Dettmers and Zettlemoyer, arXiv:1907.04840): |EMA of the dense gradient|. */
    MOMENTUM
}
