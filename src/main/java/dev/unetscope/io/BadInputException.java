package dev.unetscope.io;

import java.nio.file.Path;

/**
 * A fault in what the user gave us: a file, a folder, a flag. The CLI prints {@link #getMessage()}
 * as one line and exits with code 2; nothing else should catch it.
 */
public class BadInputException extends RuntimeException {
    private final transient Path path;

    public BadInputException(Path path, String fault, String whatToDo) {
        super(format(path, fault, whatToDo));
        this.path = path;
    }

    public BadInputException(Path path, String fault, String whatToDo, Throwable cause) {
        super(format(path, fault, whatToDo), cause);
        this.path = path;
    }

    /** A fault that is not about one file (a flag, a value). */
    public BadInputException(String fault, String whatToDo) {
        this(null, fault, whatToDo);
    }

    public Path path() {
        return path;
    }

    private static String format(Path path, String fault, String whatToDo) {
        StringBuilder sb = new StringBuilder();
        if (path != null) sb.append(path).append(": ");
        sb.append(fault);
        if (whatToDo != null && !whatToDo.isBlank()) sb.append(" (").append(whatToDo).append(')');
        return sb.toString().replace('\n', ' ');
    }
}
