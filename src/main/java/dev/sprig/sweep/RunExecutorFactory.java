package dev.sprig.sweep;

/**
 * Makes executors for {@code --master} values it knows; found by {@link java.util.ServiceLoader},
 * so an executor that needs heavy libraries (Spark) is only loaded when its master is asked for.
 */
public interface RunExecutorFactory {
    /**
     * Says whether this factory serves a master.
     *
     * @param master the {@code --master} value
     * @return whether {@link #create} accepts it
     */
    boolean accepts(String master);

    /**
     * Creates the executor.
     *
     * @param master the {@code --master} value
     * @param conf engine settings given with {@code --conf KEY=VALUE} (Spark's own keys)
     * @return the executor
     */
    RunExecutor create(String master, java.util.Map<String, String> conf);
}
