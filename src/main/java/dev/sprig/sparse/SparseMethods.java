package dev.sprig.sparse;

import dev.sprig.SprigException;
import dev.sprig.train.TrainConfig;
import dev.sprig.train.TrainingHook;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The registry of training methods by name: the command line and YAML configs find a method here,
 * with no switch to edit. {@code dense} adds no hook.
 */
public final class SparseMethods {
    private static final Map<String, Function<TrainConfig, SparseUpdater>> REGISTRY = new TreeMap<>();

    static {
        register("static", StaticUpdater::new);
        register("snip", SnipUpdater::new);
        register("gmp", GmpUpdater::new);
        register("set", c -> new DynamicSparseUpdater(c, "set", GrowCriterion.RANDOM, false));
        register("snfs", c -> new DynamicSparseUpdater(c, "snfs", GrowCriterion.MOMENTUM, false));
        register("rigl", c -> new DynamicSparseUpdater(c, "rigl", GrowCriterion.GRADIENT, true));
        register("pf", PruneFinetuneUpdater::new);
    }

    /** Iterative magnitude pruning with rewinding; several trainings, see {@link LotteryTicketSearch}. */
    public static final String LTH = "lth";

    private SparseMethods() {}

    /**
     * Adds a method.
     *
     * @param name registry key (snake_case)
     * @param factory builds the updater from a config
     */
    public static synchronized void register(String name, Function<TrainConfig, SparseUpdater> factory) {
        REGISTRY.put(name.toLowerCase(Locale.ROOT), factory);
    }

    /**
     * Lists the method names, {@code dense} included.
     *
     * @return sorted names
     */
    public static synchronized List<String> names() {
        List<String> n = new java.util.ArrayList<>(REGISTRY.keySet());
        n.add(0, "dense");
        n.add(LTH);
        return n;
    }

    /**
     * Builds the hooks of a config's method.
     *
     * @param config the run config
     * @return no hook for dense, one updater otherwise
     * @throws SprigException for an unknown method
     */
    public static synchronized List<TrainingHook> hooksFor(TrainConfig config) {
        String key = config.method.toLowerCase(Locale.ROOT);
        if (key.equals("dense")) {
            return List.of();
        }
        if (key.equals(LTH)) {
            throw new SprigException("lth trains several rounds: run it with LotteryTicketSearch.run (the CLI does)");
        }
        Function<TrainConfig, SparseUpdater> f = REGISTRY.get(key);
        if (f == null) {
            throw new SprigException("unknown method '" + config.method + "'; known: " + String.join(", ", names())
                    + " (add one with SparseMethods.register)");
        }
        return List.of(f.apply(config));
    }
}
