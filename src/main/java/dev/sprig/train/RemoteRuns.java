package dev.sprig.train;

import java.nio.file.Path;
import java.util.List;

/**
 * Trains jobs of run folders on an engine outside this JVM named by a {@code master} setting (an
 * Apache Spark master). Found by {@link java.util.ServiceLoader}, so the libraries behind it load
 * only when such a master is asked for.
 */
public interface RemoteRuns {
    /**
     * Says whether this serves a master.
     *
     * @param master the {@code master} setting
     * @return whether {@link #trainAll} accepts it
     */
    boolean accepts(String master);

    /**
     * Trains every job's folders (each with {@code config.yaml} written) in order, jobs side by
     * side, each continuing from its checkpoint if it has one.
     *
     * @param master the {@code master} setting
     * @param jobs folders per job
     * @param dataSeed the seed of the validation split
     * @throws dev.sprig.SprigException naming the jobs that failed
     */
    void trainAll(String master, List<List<Path>> jobs, long dataSeed);

    /**
     * Finds the service for a master.
     *
     * @param master the {@code master} setting
     * @return the service
     * @throws dev.sprig.SprigException when none serves it
     */
    static RemoteRuns forMaster(String master) {
        for (RemoteRuns r :
                java.util.ServiceLoader.load(RemoteRuns.class, RemoteRuns.class.getClassLoader())) {
            if (r.accepts(master)) {
                return r;
            }
        }
        throw new dev.sprig.SprigException(
                "master "
                        + master
                        + ": no engine serves it (a Spark master such as local[2], with Spark on"
                        + " the class path)");
    }
}
