package dev.sprig.sweep.spark;

import dev.sprig.train.RunExecutor;
import dev.sprig.train.RunExecutorFactory;

/**
 * Serves Spark masters ({@code local}, {@code local[N]}, {@code spark://}, {@code k8s://}, {@code
 * yarn}, {@code mesos://}). Spark's classes load only when such a master is asked for, and only if
 * they are on the class path: {@code sprig train} never loads them.
 */
public final class SparkExecutorFactory implements RunExecutorFactory {
    /** Creates the factory (found by {@link java.util.ServiceLoader}). */
    public SparkExecutorFactory() {}

    @Override
    public boolean accepts(String master) {
        return master.equals("local")
                || master.startsWith("local[")
                || master.startsWith("spark://")
                || master.startsWith("k8s://")
                || master.startsWith("mesos://")
                || master.equals("yarn");
    }

    @Override
    public RunExecutor create(String master, java.util.Map<String, String> conf) {
        try {
            Class.forName("org.apache.spark.SparkConf", false, getClass().getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new dev.sprig.SprigException(
                    "--master "
                            + master
                            + " needs Apache Spark on the class path: build with `mvn -B -q"
                            + " package -DskipTests` (it copies Spark to target/spark-lib, which"
                            + " ./sprig adds) or use master jvm[N]");
        }
        return new SparkExecutor(master, conf);
    }
}
