package dev.sprig.train;

import dev.sprig.SprigException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The registry of training methods by name (jaxpruner's {@code ALGORITHMS}): every {@link
 * MethodFamily} on the class path registers its methods when the registry is first used, and {@link
 * #register} adds one from code (a user's own method, a test's). The command line, {@code
 * config.yaml}, ensembles and the Java API all resolve method names here.
 */
public final class Methods {
    private static Map<String, Method> registry;

    private Methods() {}

    private static synchronized Map<String, Method> registry() {
        if (registry == null) {
            Map<String, Method> r = new LinkedHashMap<>();
            for (MethodFamily f :
                    ServiceLoader.load(MethodFamily.class, Methods.class.getClassLoader())) {
                for (Method m : f.methods()) {
                    put(r, m);
                }
            }
            registry = r;
        }
        return registry;
    }

    private static void put(Map<String, Method> r, Method m) {
        String key = m.name().toLowerCase(Locale.ROOT);
        if (!key.equals(m.name()) || key.isBlank()) {
            throw new IllegalArgumentException(
                    "method names are lower case, got '" + m.name() + "'");
        }
        if (r.containsKey(key)) {
            throw new IllegalArgumentException("method '" + key + "' is already registered");
        }
        r.put(key, m);
    }

    /**
     * Adds a method.
     *
     * @param method the method
     * @throws IllegalArgumentException when the name is taken or not lower case
     */
    public static synchronized void register(Method method) {
        put(registry(), method);
    }

    /**
     * Finds a method by name (case-insensitive).
     *
     * @param name the name
     * @return the method
     * @throws SprigException naming the known methods when there is none of that name
     */
    public static synchronized Method get(String name) {
        Method m = name == null ? null : registry().get(name.toLowerCase(Locale.ROOT));
        if (m == null) {
            throw new SprigException(
                    "unknown method '"
                            + name
                            + "'; known: "
                            + String.join(", ", names())
                            + " (add one with Methods.register)");
        }
        return m;
    }

    /**
     * Says whether a method of that name is registered.
     *
     * @param name the name
     * @return true when {@link #get} finds it
     */
    public static synchronized boolean contains(String name) {
        return name != null && registry().containsKey(name.toLowerCase(Locale.ROOT));
    }

    /**
     * Lists every method in registration order.
     *
     * @return the methods
     */
    public static synchronized List<Method> all() {
        return List.copyOf(registry().values());
    }

    /**
     * Lists the methods of one family.
     *
     * @param family the family, e.g. {@code earlybird}
     * @return its methods in registration order
     */
    public static synchronized List<Method> family(String family) {
        List<Method> out = new ArrayList<>();
        for (Method m : registry().values()) {
            if (m.family().equals(family)) {
                out.add(m);
            }
        }
        return out;
    }

    /**
     * Builds the hooks of a config's method, for a method that is one ordinary training run.
     *
     * @param config the run's config
     * @return the hooks
     * @throws SprigException for an unknown method or one that runs several trainings
     */
    public static List<TrainingHook> hooksFor(TrainConfig config) {
        Method m = get(config.method);
        if (!(m instanceof HookMethod h)) {
            throw new SprigException(
                    "method "
                            + m.name()
                            + " runs several trainings, not one: run it with"
                            + " Methods.get(\""
                            + m.name()
                            + "\").run(...) (the CLI does)");
        }
        return h.hooks(config);
    }

    /**
     * Lists every method name.
     *
     * @return names in registration order
     */
    public static synchronized List<String> names() {
        return List.copyOf(registry().keySet());
    }
}
