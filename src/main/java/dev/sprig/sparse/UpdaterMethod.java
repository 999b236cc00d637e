package dev.sprig.sparse;

import dev.sprig.train.HookMethod;
import dev.sprig.train.OptionGroup;
import dev.sprig.train.TrainConfig;
import dev.sprig.train.TrainingHook;
import java.util.List;
import java.util.function.Function;

/**
 * A method of the unstructured-sparsity family: one training run whose sparsity a {@link
 * SparseUpdater} keeps (or none, for dense training), and what the CSR execution path needs to run
 * it without the engine.
 *
 * @param name registry key
 * @param description one line
 * @param options groups of settings it reads
 * @param updater builds the updater from a config; null for dense training
 * @param csr how the CSR path runs it
 */
public record UpdaterMethod(
        String name,
        String description,
        List<OptionGroup> options,
        Function<TrainConfig, SparseUpdater> updater,
        CsrPlan csr)
        implements HookMethod {
    /** How the CSR execution path runs a method, or that it cannot. */
    public sealed interface CsrPlan {}

    /** The CSR path cannot run the method (it needs dense weights, e.g. SNIP's or GMP's scores). */
    public record NoCsr() implements CsrPlan {}

    /** Masks never change after initialisation (dense, static). */
    public record FixedMasks() implements CsrPlan {}

    /**
     * Masks drop by magnitude and regrow by a criterion every ΔT steps.
     *
     * @param growth the growth criterion of a config
     * @param skipByDefault whether update steps skip the optimiser step unless configured
     */
    public record DropAndGrow(Function<TrainConfig, GrowCriterion> growth, boolean skipByDefault)
            implements CsrPlan {}

    /**
     * Creates the method.
     *
     * @param name registry key
     * @param description one line
     * @param options groups of settings it reads
     * @param updater the updater factory, null for dense
     * @param csr how the CSR path runs it
     */
    public UpdaterMethod {
        options = List.copyOf(options);
    }

    @Override
    public String family() {
        return SparseMethods.FAMILY;
    }

    /**
     * Says whether the method masks weights at all ({@code dense} does not).
     *
     * @return true for sparse methods
     */
    public boolean sparse() {
        return updater != null;
    }

    @Override
    public List<TrainingHook> hooks(TrainConfig config) {
        return updater == null ? List.of() : List.of(updater.apply(config));
    }
}
