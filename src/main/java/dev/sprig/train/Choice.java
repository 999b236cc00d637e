package dev.sprig.train;

import dev.sprig.SprigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A setting whose value is one of an enum's constants, written in lower case in YAML and on the
 * command line ({@code random_normal} for {@code RANDOM_NORMAL}): settings types turn such strings
 * into enums once, at the edge, and name the choices when a value is none of them.
 */
public final class Choice {
    private Choice() {}

    /**
     * Parses a value.
     *
     * @param type the enum
     * @param value the value as written (case-insensitive)
     * @param key the config key, for the message
     * @param <E> the enum type
     * @return the constant
     * @throws SprigException naming the key, the choices and the value when it matches none
     */
    public static <E extends Enum<E>> E parse(Class<E> type, String value, String key) {
        if (value != null) {
            for (E e : type.getEnumConstants()) {
                if (e.name().equalsIgnoreCase(value.trim())) {
                    return e;
                }
            }
        }
        throw new SprigException(key + " must be " + choices(type) + ", got '" + value + "'");
    }

    /**
     * Lists an enum's values as a user writes them: "a, b or c".
     *
     * @param type the enum
     * @return the list
     */
    public static String choices(Class<? extends Enum<?>> type) {
        List<String> names = new ArrayList<>();
        for (Enum<?> e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase(Locale.ROOT));
        }
        String last = names.remove(names.size() - 1);
        return names.isEmpty() ? last : String.join(", ", names) + " or " + last;
    }
}
