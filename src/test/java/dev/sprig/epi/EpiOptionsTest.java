package dev.sprig.epi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sprig.SprigException;
import dev.sprig.train.TrainConfig;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Each EPI setting at the edges of its range: the last value accepted, the first refused. */
class EpiOptionsTest {
    private static TrainConfig with(Consumer<TrainConfig> set) {
        TrainConfig c = new TrainConfig();
        c.epochs = 10;
        set.accept(c);
        return c;
    }

    private static void accepted(Consumer<TrainConfig> set) {
        assertThat(EpiOptions.from(with(set))).isNotNull();
    }

    private static void refused(Consumer<TrainConfig> set, String message) {
        assertThatThrownBy(() -> EpiOptions.from(with(set)))
                .isInstanceOf(SprigException.class)
                .hasMessageContaining(message);
    }

    @Test
    void everySettingAcceptsItsRangeAndRefusesJustOutside() {
        refused(c -> c.epiImportance = null, "epi_importance must be l2norm, bn, taylor or l1");
        refused(c -> c.epiImportance = "gradient", "got 'gradient'");
        accepted(c -> c.epiBudgetFraction = 1);
        accepted(c -> c.epiBudgetFraction = 0.001);
        refused(c -> c.epiBudgetFraction = 0, "epi_budget_fraction must be in (0, 1], got 0.0");
        refused(c -> c.epiBudgetFraction = 1.001, "epi_budget_fraction must be in (0, 1]");
        accepted(c -> c.epiWindow = 1);
        refused(c -> c.epiWindow = 0, "epi_window must be at least 1, got 0");
        accepted(c -> c.epiMonotone = 0);
        refused(c -> c.epiMonotone = -1, "epi_monotone must be >= 0");
        accepted(c -> c.epiPruneEpoch = -1);
        accepted(c -> c.epiPruneEpoch = 9);
        refused(c -> c.epiPruneEpoch = -2, "epi_prune_epoch must be -1 or in [0, epochs)");
        refused(c -> c.epiPruneEpoch = 10, "epi_prune_epoch must be -1 or in [0, epochs), got 10");
        accepted(c -> c.epiTau = null);
        accepted(c -> c.epiTau = 1.0);
        accepted(c -> c.epiTau = 1e-6);
        refused(c -> c.epiTau = 0.0, "epi_tau must be in (0, 1]");
        refused(c -> c.epiTau = 1.000001, "epi_tau must be in (0, 1]");
    }

    @Test
    void theDefaultTauDependsOnTheImportance() {
        // EPI paper: tau = 0.983 for the magnitude criteria, 0.944 for the gradient one.
        for (String imp : new String[] {"l2norm", "bn", "taylor", "l1"}) {
            EpiOptions o = EpiOptions.from(with(c -> c.epiImportance = imp));
            assertThat(o.tau()).as(imp).isEqualTo(imp.equals("taylor") ? 0.944 : 0.983);
        }
        assertThat(EpiOptions.from(with(c -> c.epiTau = 0.95)).tau()).isEqualTo(0.95);
    }
}
