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
    private static final Map<String, Set<String>> ALLOWED = Map.of(
            "data", Set.of(),
            "models", Set.of(),
            "cost", Set.of("models"),
            "train", Set.of("data", "models", "cost"),
            "sparse", Set.of("data", "models", "cost", "train"),
            "structured", Set.of("data", "models", "cost", "train"),
            "earlybird", Set.of("data", "models", "cost", "train", "structured"),
            "epi", Set.of("data", "models", "cost", "train", "structured"),
            "cli", Set.of("data", "models", "cost", "train", "sparse", "structured", "earlybird", "epi"));

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
