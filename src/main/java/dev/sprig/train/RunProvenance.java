package dev.sprig.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.sprig.Sprig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * Everything needed to rerun a run besides its config: software versions, machine, device and the
 * SHA-256 of the resolved {@code config.yaml}. Written as {@code provenance.json} when a run starts
 * (after Tribuo's model provenance).
 *
 * @param sprigVersion Sprig version
 * @param djlVersion DJL version
 * @param engine engine name and version
 * @param javaVersion Java runtime version
 * @param osName operating system
 * @param osArch architecture
 * @param device device the run trains on
 * @param cpus processors visible to the JVM
 * @param threads engine threads requested (0 = engine default)
 * @param seed run seed
 * @param startedAt start time
 * @param configSha256 hash of the resolved config text
 */
public record RunProvenance(
        String sprigVersion,
        String djlVersion,
        String engine,
        String javaVersion,
        String osName,
        String osArch,
        String device,
        int cpus,
        int threads,
        long seed,
        String startedAt,
        String configSha256) {

    /**
     * Describes the current process for a run.
     *
     * @param config resolved config
     * @param configYaml its YAML text, as written
     * @param device the run's device
     * @return the provenance
     */
    public static RunProvenance of(TrainConfig config, String configYaml, Device device) {
        Engine e = Sprig.engine();
        return new RunProvenance(
                Sprig.VERSION,
                Engine.getDjlVersion(),
                e.getEngineName() + " " + e.getVersion(),
                System.getProperty("java.version"),
                System.getProperty("os.name"),
                System.getProperty("os.arch"),
                device.toString(),
                Runtime.getRuntime().availableProcessors(),
                config.threads,
                config.seed,
                Instant.now().toString(),
                sha256(configYaml));
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(
                            MessageDigest.getInstance("SHA-256")
                                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
