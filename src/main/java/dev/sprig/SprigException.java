package dev.sprig;

/**
 * A failure the user can cause and fix: a bad configuration, a missing or corrupt data file, an
 * unreadable checkpoint, an output folder that already holds a run.
 *
 * <p>The message is one line that names the offending value or file, because the command line
 * prints it as it is and exits with status 2 instead of showing a stack trace. Programming errors
 * stay unchecked {@link IllegalArgumentException}s and {@link IllegalStateException}s.
 */
public class SprigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message one line naming what is wrong and, where possible, how to fix it
     */
    public SprigException(String message) {
        super(message);
    }

    /**
     * Creates the exception with its cause, kept for logs only.
     *
     * @param message one line naming what is wrong
     * @param cause the underlying failure
     */
    public SprigException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * Throws a {@code SprigException} with the message unless a condition holds: the one-line check
     * every settings type validates its values with.
     *
     * @param ok the condition
     * @param message what is wrong, naming the key and the value
     * @throws SprigException when {@code ok} is false
     */
    public static void require(boolean ok, String message) {
        if (!ok) {
            throw new SprigException(message);
        }
    }
}
