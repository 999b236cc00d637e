package dev.sprig.train;

import java.nio.file.Path;
import java.util.List;

/**
 * Where runs train: in this JVM, in child JVMs on this machine, or as tasks of an Apache Spark
 * application. Every caller that trains several runs (a sweep's cells, an ensemble's members, EPI's
 * oracle grid) writes each run's {@code config.yaml} into its folder and hands the folders over as
 * jobs; an executor trains them with {@link FolderRun}, continuing any folder from its checkpoint,
 * so a run ends with the same figures wherever and however often it was started. A job that fails
 * does not stop the others.
 */
public interface RunExecutor {
    /**
     * Run folders trained in order (a dense run, then its pruned fine-tuning), their data split
     * with one seed.
     *
     * @param folders the folders, each with {@code config.yaml} written
     * @param dataSeed the seed of the validation split
     */
    record Job(List<Path> folders, long dataSeed) {
        /**
         * A job of one folder.
         *
         * @param folder the folder
         * @param dataSeed the seed of the validation split
         * @return the job
         */
        public static Job of(Path folder, long dataSeed) {
            return new Job(List.of(folder), dataSeed);
        }
    }

    /**
     * What became of a job.
     *
     * @param job the job
     * @param error null when every folder holds a finished run; else why not
     */
    record Outcome(Job job, String error) {
        /**
         * Says whether the job finished.
         *
         * @return whether every folder has its summary
         */
        public boolean finished() {
            return error == null;
        }
    }

    /**
     * Trains jobs.
     *
     * @param jobs the jobs
     * @return one outcome per job, in order
     */
    List<Outcome> run(List<Job> jobs);

    /**
     * Names the executor for logs.
     *
     * @return e.g. {@code in this JVM}, {@code 2 child JVMs}, {@code on Spark local[2,4]}
     */
    String describe();

    /**
     * Says whether the runs see this machine's files (a folder another run wrote, a table the
     * caller measured), as on this machine or in embedded Spark, and not on a cluster's workers.
     *
     * @return true unless runs train on other machines
     */
    default boolean sharesFiles() {
        return true;
    }
}
