package dev.unetscope.pipeline;

/**
 * Where a stage service reports what it is doing: the command line prints the lines; a test or an
 * embedding program can collect them or drop them. Services never write to System.out themselves.
 */
public interface Progress {
    /** One line for the person running the stage. */
    void info(String line);

    /** A stage has finished; {@code result} is its service's result record. Presentation hooks use it (the demo prints tables). */
    default void finished(String stage, Object result) {}

    Progress NONE = line -> {};
}
