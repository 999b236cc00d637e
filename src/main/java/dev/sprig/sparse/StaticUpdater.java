package dev.sprig.sparse;

import dev.sprig.models.LayerSpec;
import dev.sprig.train.TrainConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Static sparse training: a random mask with the distribution's exact counts, fixed for the whole
 * run (RigL's "Static" baseline, {@code training_method=scratch}). Also the starting point of every
 * dynamic method.
 */
public class StaticUpdater extends SparseUpdater {
    /**
     * Creates the updater.
     *
     * @param config run configuration
     */
    public StaticUpdater(TrainConfig config) {
        super(config);
    }

    @Override
    public String name() {
        return "static";
    }

    @Override
    protected Map<String, boolean[]> initialMasks(List<LayerSpec> layers) {
        Map<String, boolean[]> m = new LinkedHashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec l = layers.get(i);
            m.put(l.name(), randomMask((int) l.weightCount(), allocation.keep().get(l.name()), i));
        }
        return m;
    }
}
