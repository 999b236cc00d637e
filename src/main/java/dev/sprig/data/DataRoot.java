package dev.sprig.data;

import java.nio.file.Path;

/**
 * Where data sets are found: the {@code --data-dir} of one run, else the folder named by the {@code
 * SPRIG_DATA} environment variable, else {@code ~/.sprig/data}. Each data set lives in a sub-folder
 * named by its key ({@code mnist/}, {@code fashion-mnist/}, {@code cifar-10/}, …).
 */
public final class DataRoot {
    /** Environment variable naming the data root. */
    public static final String ENV = "SPRIG_DATA";

    private DataRoot() {}

    /**
     * Resolves the data root.
     *
     * @param override the {@code --data-dir} value, or null
     * @return the root folder (it may not exist)
     */
    public static Path resolve(String override) {
        if (override != null && !override.isBlank()) {
            return Path.of(override);
        }
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".sprig", "data");
    }
}
