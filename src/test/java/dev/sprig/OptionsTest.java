package dev.sprig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.earlybird.EarlyBirdOptions;
import dev.sprig.ensemble.EnsembleOptions;
import dev.sprig.epi.ChannelImportance;
import dev.sprig.epi.EpiOptions;
import dev.sprig.sparse.DynamicSparseOptions;
import dev.sprig.sparse.SparsityOptions;
import dev.sprig.train.TrainConfig;
import dev.sprig.train.TrainSettings;
import org.junit.jupiter.api.Test;

/**
 * Each family's options type turns strings into enums and resolves its published defaults, once.
 */
class OptionsTest {
    @Test
    void stringsBecomeEnumsAndDefaultsResolve() {
        TrainConfig c = new TrainConfig();
        c.growInit = "Random_Normal";
        c.momentumPolicy = "keep";
        c.dropSchedule = "constant";
        DynamicSparseOptions d = DynamicSparseOptions.from(c);
        assertThat(d.growInit()).isEqualTo(DynamicSparseOptions.GrowInit.RANDOM_NORMAL);
        assertThat(d.momentumPolicy()).isEqualTo(DynamicSparseOptions.MomentumPolicy.KEEP);
        assertThat(d.decay()).isEqualTo(DynamicSparseOptions.Decay.CONSTANT);
        assertThat(d.skipUpdateStep()).isNull(); // the method decides (RigL skips)

        assertThat(EarlyBirdOptions.from(c).bnL1()).isEqualTo(1e-4); // the anchor's, when unset
        c.bnL1 = 3e-5;
        assertThat(EarlyBirdOptions.from(c).bnL1()).isEqualTo(3e-5);

        assertThat(EpiOptions.from(c).tau()).isEqualTo(0.983); // magnitude importances
        c.epiImportance = "taylor";
        assertThat(EpiOptions.from(c).importance()).isEqualTo(ChannelImportance.TAYLOR);
        assertThat(EpiOptions.from(c).tau()).isEqualTo(0.944);
        c.epiBudget = "Latency";
        assertThat(EpiOptions.from(c).budget()).isEqualTo(EpiOptions.Budget.LATENCY);

        c.ensembleGrowth = "momentum";
        assertThat(EnsembleOptions.from(c).growth().method()).isEqualTo("snfs");

        c.augment = "false"; // what YAML 1.1 makes of a bare "off"
        assertThat(TrainSettings.from(c).augment()).isEqualTo(TrainSettings.Augment.OFF);
        c.lrSchedule = "MultiStep";
        assertThat(TrainSettings.from(c).lrSchedule())
                .isEqualTo(TrainSettings.LrScheduleKind.MULTISTEP);
    }

    @Test
    void badValuesNameTheKeyTheChoicesAndTheValue() {
        TrainConfig c = new TrainConfig();
        c.distribution = "erk2";
        assertThatThrownBy(() -> SparsityOptions.from(c))
                .isInstanceOf(SprigException.class)
                .hasMessage("distribution must be uniform, er or erk, got 'erk2'");
        c.distribution = "erk";
        c.layerDensities.put("fc1", 1.5);
        assertThatThrownBy(() -> SparsityOptions.from(c))
                .hasMessage("layer_densities must lie in (0, 1], got fc1=1.5");
        c.layerDensities.clear();
        c.lrSchedule = "wavy";
        assertThatThrownBy(() -> TrainSettings.from(c))
                .hasMessage(
                        "lr_schedule must be constant, step, multistep, cosine or piecewise, got"
                                + " 'wavy'");
        c.lrSchedule = "cosine";
        c.epiTau = 1.5;
        assertThatThrownBy(c::validate).hasMessage("epi_tau must be in (0, 1], got 1.5");
    }
}
