package dev.sprig.structured;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Early-Bird's detector (You et al. 2020; {@code EarlyBird} in the authors' {@code main.py}): keep
 * the last {@code queue} masks and fire when the newest is within ε (normalised Hamming) of every
 * other one in the queue. Nothing fires before the queue is full. Defaults 5 and 0.1 are the
 * authors' ({@code epoch_keep=5}, {@code epsilon=0.1}); the maintainers report ε = 0.1 works across
 * VGG, PreResNet and ResNet.
 */
public final class MaskDistanceTrigger implements StabilityTrigger<ChannelMask> {
    private final int queue;
    private final double epsilon;
    private final Deque<ChannelMask> recent = new ArrayDeque<>();
    private int observed;
    private int firedAt = -1;
    private double lastMaxDistance = Double.NaN;

    /**
     * Creates the detector.
     *
     * @param queue masks kept (at least 2)
     * @param epsilon largest distance that counts as the same ticket
     */
    public MaskDistanceTrigger(int queue, double epsilon) {
        if (queue < 2) {
            throw new IllegalArgumentException("queue length must be at least 2, got " + queue);
        }
        if (!(epsilon >= 0 && epsilon <= 1)) {
            throw new IllegalArgumentException("epsilon must be in [0, 1], got " + epsilon);
        }
        this.queue = queue;
        this.epsilon = epsilon;
    }

    @Override
    public boolean observe(ChannelMask mask) {
        recent.addLast(mask);
        if (recent.size() > queue) {
            recent.removeFirst();
        }
        int index = observed++;
        if (recent.size() < queue) {
            return false;
        }
        List<ChannelMask> older = new ArrayList<>(recent);
        older.remove(older.size() - 1);
        double max = 0;
        for (ChannelMask m : older) {
            max = Math.max(max, mask.distance(m));
        }
        lastMaxDistance = max;
        if (firedAt < 0 && max <= epsilon) {
            firedAt = index;
            return true;
        }
        return false;
    }

    @Override
    public int firedAt() {
        return firedAt;
    }

    /**
     * Returns the largest distance from the newest mask to the others at the last full queue.
     *
     * @return the distance, NaN before the queue filled
     */
    public double lastMaxDistance() {
        return lastMaxDistance;
    }
}
