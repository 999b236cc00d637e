package dev.sprig.sparse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.sprig.models.HostValues;
import dev.sprig.models.NamedParameter;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One binary mask per prunable weight: a Java {@code boolean[]} (the truth, used for exact
 * selection and counting) mirrored by a 0/1 float array on the model's manager (used to multiply
 * weights, gradients and momentum in place).
 *
 * <p>Counts are exact by construction: masks change only through {@link #set}, and every algorithm
 * that calls it swaps as many connections in as out.
 */
public final class MaskSet {
    private final Map<String, NamedParameter> weights = new LinkedHashMap<>();
    private final Map<String, boolean[]> masks = new LinkedHashMap<>();
    private final Map<String, NDArray> arrays = new LinkedHashMap<>();

    /**
     * Creates all-ones masks for the given weights.
     *
     * @param prunable the prunable weights
     */
    public MaskSet(List<NamedParameter> prunable) {
        for (NamedParameter w : prunable) {
            String layer = w.layer().name();
            weights.put(layer, w);
            boolean[] m = new boolean[(int) w.size()];
            java.util.Arrays.fill(m, true);
            masks.put(layer, m);
            NDArray a = w.array().onesLike();
            a.attach(w.array().getManager());
            arrays.put(layer, a);
        }
    }

    /**
     * Returns the layer names in model order.
     *
     * @return layer names
     */
    public List<String> layers() {
        return List.copyOf(masks.keySet());
    }

    /**
     * Returns the weight of a layer.
     *
     * @param layer layer name
     * @return the weight
     */
    public NamedParameter weight(String layer) {
        return weights.get(layer);
    }

    /**
     * Returns a copy of a layer's mask.
     *
     * @param layer layer name
     * @return true where the connection is active
     */
    public boolean[] get(String layer) {
        return masks.get(layer).clone();
    }

    /**
     * Replaces a layer's mask.
     *
     * @param layer layer name
     * @param mask the new mask (copied)
     */
    public void set(String layer, boolean[] mask) {
        boolean[] m = masks.get(layer);
        if (m.length != mask.length) {
            throw new IllegalArgumentException(
                    layer + ": mask of " + mask.length + " for " + m.length + " weights");
        }
        System.arraycopy(mask, 0, m, 0, m.length);
        float[] f = new float[m.length];
        for (int i = 0; i < m.length; i++) {
            f[i] = m[i] ? 1f : 0f;
        }
        HostValues.write(arrays.get(layer), f);
    }

    /**
     * Counts a layer's active connections.
     *
     * @param layer layer name
     * @return number of true entries
     */
    public long count(String layer) {
        long n = 0;
        for (boolean b : masks.get(layer)) {
            if (b) {
                n++;
            }
        }
        return n;
    }

    /**
     * Returns the active count of every layer.
     *
     * @return counts by layer
     */
    public Map<String, Long> counts() {
        Map<String, Long> c = new LinkedHashMap<>();
        for (String l : masks.keySet()) {
            c.put(l, count(l));
        }
        return Collections.unmodifiableMap(c);
    }

    /** Zeroes every weight outside its mask. */
    public void applyToWeights() {
        for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
            weights.get(e.getKey()).array().muli(e.getValue());
        }
    }

    /**
     * Zeroes every gradient outside its mask.
     *
     * @param step manager of the step's temporaries
     */
    public void applyToGradients(NDManager step) {
        for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
            NDArray g = weights.get(e.getKey()).array().getGradient();
            g.attach(step);
            g.muli(e.getValue());
        }
    }

    /**
     * Zeroes the optimiser state outside the masks.
     *
     * @param momentum buffers by parameter name
     */
    public void applyToMomentum(Map<String, NDArray> momentum) {
        for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
            NDArray v = momentum.get(weights.get(e.getKey()).name());
            if (v != null) {
                v.muli(e.getValue());
            }
        }
    }

    /**
     * Writes the masks as packed bits.
     *
     * @param out the stream
     * @throws IOException on write failure
     */
    public void save(DataOutputStream out) throws IOException {
        out.writeInt(masks.size());
        for (Map.Entry<String, boolean[]> e : masks.entrySet()) {
            out.writeUTF(e.getKey());
            boolean[] m = e.getValue();
            out.writeInt(m.length);
            byte[] packed = new byte[(m.length + 7) / 8];
            for (int i = 0; i < m.length; i++) {
                if (m[i]) {
                    packed[i >> 3] |= (byte) (1 << (i & 7));
                }
            }
            out.write(packed);
        }
    }

    /**
     * Reads masks written by {@link #save}.
     *
     * @param in the stream
     * @throws IOException on read failure or a mismatch with this model
     */
    public void load(DataInputStream in) throws IOException {
        int n = in.readInt();
        for (int k = 0; k < n; k++) {
            String layer = in.readUTF();
            int len = in.readInt();
            if (!masks.containsKey(layer) || masks.get(layer).length != len) {
                throw new IOException("mask for " + layer + " does not fit this model");
            }
            byte[] packed = new byte[(len + 7) / 8];
            in.readFully(packed);
            boolean[] m = new boolean[len];
            for (int i = 0; i < len; i++) {
                m[i] = (packed[i >> 3] & (1 << (i & 7))) != 0;
            }
            set(layer, m);
        }
    }
}
