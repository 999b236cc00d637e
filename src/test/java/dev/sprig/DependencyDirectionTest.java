package dev.sprig;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Package dependencies point one way (STYLE.md): data and models know nothing of training or sparsity. */
class DependencyDirectionTest {
    private static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
            Map.entry("data", Set.of()),
            Map.entry("models", Set.of()),
            Map.entry("cost", Set.of("models")),
            Map.entry("train", Set.of("data", "models", "cost")),
            Map.entry("sparse", Set.of("data", "models", "cost", "train")),
            Map.entry("structured", Set.of("data", "models", "cost", "train")),
            Map.entry("earlybird", Set.of("data", "models", "cost", "train", "structured")),
            Map.entry("epi", Set.of("data", "models", "cost", "train", "structured")),
            Map.entry("ensemble", Set.of("data", "models", "cost", "train", "sparse")),
            Map.entry("report", Set.of("train")),
            Map.entry("export", Set.of("data", "models", "train", "sparse", "ensemble")),
            Map.entry("api", Set.of("data", "models", "train", "sparse")),
            Map.entry("cli", Set.of("data", "models", "cost", "train", "sparse", "structured", "earlybird", "epi", "ensemble", "report", "export", "api")));

    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?dev\\.sprig\\.([a-z]+)\\.", Pattern.MULTILINE);

    @Test
    void importsFollowTheLayering() throws IOException {
        Path root = Path.of("src/main/java/dev/sprig");
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Path rel = root.relativize(f);
                if (rel.getNameCount() < 2) {
                    continue; // root package: shared by all
                }
                String pkg = rel.getName(0).toString();
                Set<String> allowed = ALLOWED.get(pkg);
                assertThat(allowed).as("package %s has no declared dependencies", pkg).isNotNull();
                Matcher m = IMPORT.matcher(Files.readString(f));
                while (m.find()) {
                    String target = m.group(1);
                    if (!target.equals(pkg) && !allowed.contains(target)) {
                        violations.add(rel + " imports dev.sprig." + target);
                    }
                }
            }
        }
        assertThat(violations).isEmpty();
    }
}
