package dev.sprig.sweep;

import dev.sprig.SprigException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Trains the cells one after another in this JVM (the default, and the reference the others match).
 */
public final class InProcessExecutor implements RunExecutor {
    @Override
    public List<Outcome> run(List<SweepCell> cells, Path out) {
        List<Outcome> outcomes = new ArrayList<>();
        for (SweepCell cell : cells) {
            try {
                CellRun.train(cell, out.resolve(cell.name()));
                outcomes.add(new Outcome(cell.name(), null));
            } catch (dev.sprig.train.Interruption.Stopped s) {
                throw s; // Ctrl-C stops the sweep; its cells resume next time
            } catch (SprigException | ai.djl.engine.EngineException e) {
                outcomes.add(new Outcome(cell.name(), e.getMessage()));
            } catch (RuntimeException e) {
                outcomes.add(new Outcome(cell.name(), e.toString()));
            }
        }
        return outcomes;
    }

    @Override
    public String describe() {
        return "in this JVM";
    }
}
