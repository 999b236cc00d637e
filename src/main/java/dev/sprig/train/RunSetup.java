package dev.sprig.train;

import ai.djl.Device;
import dev.sprig.cost.CostModel;
import dev.sprig.cost.FlopsLedger;
import dev.sprig.data.DataSplits;

/**
 * What the {@link Trainer} hands a backend when a run starts.
 *
 * @param config the resolved config
 * @param data the data splits
 * @param device the device the run computes on
 * @param ledger the training-FLOPs ledger (hooks may read it)
 * @param cost the cost model
 * @param stepsPerEpoch optimiser steps per epoch
 */
public record RunSetup(
        TrainConfig config,
        DataSplits data,
        Device device,
        FlopsLedger ledger,
        CostModel cost,
        int stepsPerEpoch) {}
