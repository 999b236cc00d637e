package dev.sprig.train;

import java.util.Map;

/**
 * Makes executors for {@code master} values it knows; found by {@link java.util.ServiceLoader}, so
 * an executor that needs heavy libraries (Spark) loads only when its master is asked for.
 */
public interface RunExecutorFactory {
    /**
     * Says whether this factory serves a master.
     *
     * @param master the {@code master} setting
     * @return whether {@link #create} accepts it
     */
    boolean accepts(String master);

    /**
     * Creates the executor.
     *
     * @param master the {@code master} setting
     * @param conf settings for the engine behind it ({@code --conf KEY=VALUE}, Spark's keys)
     * @return the executor
     */
    RunExecutor create(String master, Map<String, String> conf);
}
