package dev.sprig.train;

import java.util.List;

/**
 * A package's contribution to the {@link Methods} registry, found with {@link
 * java.util.ServiceLoader} ({@code META-INF/services/dev.sprig.train.MethodFamily}). The registry
 * lives in {@code train}, below the method packages, so it cannot name them; each family names
 * itself here instead.
 */
public interface MethodFamily {
    /**
     * Lists the family's methods.
     *
     * @return the methods
     */
    List<Method> methods();
}
