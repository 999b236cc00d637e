package dev.sprig.cli;

import dev.sprig.SprigException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The published settings shipped in {@code recipes/} (packed into the jar), one YAML per paper and
 * setting. Each starts with a comment naming its source and a {@code # target:} line with the
 * published figure it should reproduce.
 */
final class Recipes {
    private static final String DIR = "recipes/";

    private Recipes() {}

    /** A recipe: its name, YAML text and target line. */
    record Recipe(String name, String yaml, String source, String target) {}

    /**
     * @return every recipe's name, sorted
     */
    static List<String> names() {
        TreeSet<String> names = new TreeSet<>();
        try {
            Path where =
                    Path.of(
                            Recipes.class
                                    .getProtectionDomain()
                                    .getCodeSource()
                                    .getLocation()
                                    .toURI());
            if (Files.isDirectory(where)) {
                try (Stream<Path> s = Files.list(where.resolve(DIR))) {
                    s.map(p -> p.getFileName().toString())
                            .filter(n -> n.endsWith(".yaml"))
                            .forEach(names::add);
                }
            } else {
                try (JarFile jar = new JarFile(where.toFile())) {
                    Enumeration<JarEntry> e = jar.entries();
                    while (e.hasMoreElements()) {
                        String n = e.nextElement().getName();
                        if (n.startsWith(DIR) && n.endsWith(".yaml")) {
                            names.add(n.substring(DIR.length()));
                        }
                    }
                }
            }
        } catch (IOException | URISyntaxException e) {
            throw new SprigException("cannot list the recipes: " + e.getMessage());
        }
        List<String> out = new ArrayList<>();
        names.forEach(n -> out.add(n.substring(0, n.length() - ".yaml".length())));
        return out;
    }

    /**
     * Loads a recipe.
     *
     * @param name recipe name, with or without {@code .yaml}
     * @return the recipe
     * @throws SprigException for an unknown name
     */
    static Recipe get(String name) {
        String n = name.endsWith(".yaml") ? name.substring(0, name.length() - 5) : name;
        try (InputStream in =
                Recipes.class.getClassLoader().getResourceAsStream(DIR + n + ".yaml")) {
            if (in == null) {
                throw new SprigException(
                        "unknown recipe '"
                                + name
                                + "'; see `sprig recipes` (known: "
                                + String.join(", ", names())
                                + ")");
            }
            String yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            String source = "";
            String target = "";
            for (String line : yaml.split("\n")) {
                if (line.startsWith("# target:")) {
                    target = line.substring("# target:".length()).trim();
                } else if (line.startsWith("# ") && source.isEmpty()) {
                    source = line.substring(2).trim();
                }
            }
            return new Recipe(n, yaml, source, target);
        } catch (IOException e) {
            throw new SprigException("cannot read recipe " + name + ": " + e.getMessage());
        }
    }
}
