package dev.sprig.cli;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.sprig.train.Method;
import dev.sprig.train.Methods;
import dev.sprig.train.OptionGroup;
import dev.sprig.train.TrainConfig;
import java.lang.reflect.Field;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine.Model.ArgGroupSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Turns the settings of {@link TrainConfig} into command-line options, one help section per {@link
 * OptionGroup}: the shared settings, then the groups of the methods a command runs. Each setting is
 * declared once, in {@code TrainConfig} (type, default, description), so a flag, a YAML key and the
 * help text cannot disagree, and a command shows no option of another family.
 */
final class SettingOptions {
    private SettingOptions() {}

    /**
     * Adds the options of the shared settings and of every group the families' methods read.
     *
     * @param spec the command
     * @param families method families the command runs
     */
    static void add(CommandSpec spec, List<String> families) {
        List<OptionGroup> groups = new ArrayList<>();
        groups.add(OptionGroup.SHARED);
        List<String> methods = new ArrayList<>();
        for (String family : families) {
            for (Method m : Methods.family(family)) {
                methods.add(m.name());
                for (OptionGroup g : m.options()) {
                    if (!groups.contains(g)) {
                        groups.add(g);
                    }
                }
            }
        }
        Set<String> added = new LinkedHashSet<>();
        for (OptionGroup g : groups) {
            ArgGroupSpec.Builder section =
                    ArgGroupSpec.builder()
                            .heading("%n" + g.heading() + ":%n")
                            .exclusive(false)
                            .multiplicity("0..1")
                            .validate(false);
            int n = 0;
            for (String key : g.keys()) {
                if (added.add(key)) {
                    section.addArg(
                            option(key, key.equals("method") ? String.join(", ", methods) : null));
                    n++;
                }
            }
            if (n > 0) {
                spec.addArgGroup(section.build());
            }
        }
    }

    private static OptionSpec option(String key, String descriptionOverride) {
        Field f = field(key);
        JsonPropertyDescription d = f.getAnnotation(JsonPropertyDescription.class);
        String description =
                descriptionOverride != null ? descriptionOverride : d == null ? "" : d.value();
        OptionSpec.Builder o =
                OptionSpec.builder("--" + key.replace('_', '-'))
                        .description(description)
                        .paramLabel("<" + key.replace('_', '-') + ">");
        Class<?> type = f.getType();
        if (type == boolean.class || type == Boolean.class) {
            o.type(Boolean.class).arity("0..1").paramLabel("<true|false>");
        } else if (type == int.class || type == Integer.class) {
            o.type(Integer.class);
        } else if (type == long.class || type == Long.class) {
            o.type(Long.class);
        } else if (type == double.class || type == Double.class) {
            o.type(Double.class);
        } else if (List.class.isAssignableFrom(type)) {
            o.type(List.class).auxiliaryTypes(typeArguments(f)).splitRegex(",").arity("1");
        } else if (java.util.Map.class.isAssignableFrom(type)) {
            o.type(java.util.Map.class).auxiliaryTypes(typeArguments(f)).splitRegex(",").arity("1");
        } else {
            o.type(String.class);
        }
        return o.build();
    }

    private static Class<?>[] typeArguments(Field f) {
        Type[] args = ((ParameterizedType) f.getGenericType()).getActualTypeArguments();
        Class<?>[] out = new Class<?>[args.length];
        for (int i = 0; i < args.length; i++) {
            out[i] = (Class<?>) args[i];
        }
        return out;
    }

    private static Field field(String key) {
        StringBuilder name = new StringBuilder();
        boolean up = false;
        for (char c : key.toCharArray()) {
            if (c == '_') {
                up = true;
            } else {
                name.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        try {
            return TrainConfig.class.getField(name.toString());
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException(
                    "no TrainConfig field for key " + key.toLowerCase(Locale.ROOT), e);
        }
    }
}
