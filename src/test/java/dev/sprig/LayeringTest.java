package dev.sprig;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SlicesRuleDefinition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Package dependencies point one way (STYLE.md), checked on the compiled classes, so that
 * fully-qualified uses, field types and method signatures count as well as imports: data and models
 * know nothing of training or sparsity, method packages never use each other, nothing uses the
 * command line. The root package ({@code Sprig}, {@code SprigException}, {@code SeedStream}) is
 * shared by all and uses none.
 */
class LayeringTest {
    /** What each package may use besides itself and the root package. */
    static final Map<String, Set<String>> ALLOWED =
            Map.ofEntries(
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
                    Map.entry(
                            "export",
                            Set.of("data", "models", "cost", "train", "sparse", "ensemble")),
                    Map.entry("api", Set.of("data", "models", "train", "sparse")),
                    Map.entry("sweep", Set.of("data", "models", "cost", "train", "report")),
                    Map.entry(
                            "cli",
                            Set.of(
                                    "data",
                                    "models",
                                    "cost",
                                    "train",
                                    "sparse",
                                    "structured",
                                    "earlybird",
                                    "epi",
                                    "ensemble",
                                    "report",
                                    "export",
                                    "api",
                                    "sweep")));

    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes =
                new ClassFileImporter()
                        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                        .importPackages("dev.sprig");
    }

    @Test
    void sparkIsUsedOnlyByItsExecutor() {
        // Spark is a provided dependency, loaded only for a Spark master: no other class may
        // touch it, or `sprig train` would load it (or fail without target/spark-lib).
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.sprig.sweep.spark..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("org.apache.spark..")
                .check(classes);
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.sprig.sweep.spark..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.sprig.sweep.spark..")
                .check(classes);
    }

    @Test
    void everyPackageUsesOnlyThePackagesBelowIt() {
        for (Map.Entry<String, Set<String>> e : ALLOWED.entrySet()) {
            List<String> forbidden = new ArrayList<>();
            for (String other : ALLOWED.keySet()) {
                if (!other.equals(e.getKey()) && !e.getValue().contains(other)) {
                    forbidden.add("dev.sprig." + other + "..");
                }
            }
            ArchRule rule =
                    noClasses()
                            .that()
                            .resideInAPackage("dev.sprig." + e.getKey() + "..")
                            .should()
                            .dependOnClassesThat()
                            .resideInAnyPackage(forbidden.toArray(String[]::new))
                            .because("dependencies point down the layering of STYLE.md");
            rule.check(classes);
        }
    }

    @Test
    void everyPackageIsDeclared() {
        classes.forEach(
                c -> {
                    String pkg = c.getPackageName();
                    if (!pkg.equals("dev.sprig")) {
                        String top = pkg.substring("dev.sprig.".length()).split("\\.")[0];
                        if (!ALLOWED.containsKey(top)) {
                            throw new AssertionError(
                                    "package dev.sprig."
                                            + top
                                            + " has no declared dependencies in LayeringTest");
                        }
                    }
                });
    }

    @Test
    void theRootPackageUsesNoOtherSprigPackage() {
        noClasses()
                .that()
                .resideInAPackage("dev.sprig")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        ALLOWED.keySet().stream()
                                .map(p -> "dev.sprig." + p + "..")
                                .toArray(String[]::new))
                .check(classes);
    }

    @Test
    void packagesHaveNoCycles() {
        SlicesRuleDefinition.slices()
                .matching("dev.sprig.(*)..")
                .should()
                .beFreeOfCycles()
                .check(classes);
    }
}
