package dev.unetscope;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs a reference script from {@code src/test/resources/reference} with Debian's Python (or
 * {@code -Dunetscope.python}) and returns its stdout. A missing interpreter or package fails the
 * test, never skips it, so a broken environment cannot pass silently.
 */
public final class ReferencePython {
    public static final Path PYTHON = Path.of(System.getProperty("unetscope.python", "/usr/bin/python3"));

    private ReferencePython() {}

    /**
     * @param workDir  where the script is copied and its stderr kept
     * @param packages named in the failure message, e.g. "numpy and nibabel"
     */
    public static String run(Path workDir, String script, String arg, String packages, int timeoutSeconds)
            throws IOException, InterruptedException {
        return run(workDir, script, arg, packages, timeoutSeconds, new String[0]);
    }

    /** As above; {@code modules} are further files from the same folder that the script imports. */
    public static String run(Path workDir, String script, String arg, String packages, int timeoutSeconds, String... modules)
            throws IOException, InterruptedException {
        assertThat(Files.isExecutable(PYTHON))
                .as(PYTHON + " is missing: install python3 with " + packages + " (CI does), or set -Dunetscope.python")
                .isTrue();
        Path copy = workDir.resolve(script);
        copyResource(script, copy);
        for (String m : modules) copyResource(m, workDir.resolve(m));
        Path stderr = workDir.resolve(script + ".err");
        Process proc = new ProcessBuilder(PYTHON.toString(), copy.toString(), arg).redirectError(stderr.toFile()).start();
        byte[] stdout = proc.getInputStream().readAllBytes();
        boolean done = proc.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!done) proc.destroyForcibly();
        String err = Files.readString(stderr);
        assertThat(done && proc.exitValue() == 0)
                .as(script + " failed (are " + packages + " installed for " + PYTHON + "?):\n" + err)
                .isTrue();
        return new String(stdout, StandardCharsets.UTF_8);
    }

    private static void copyResource(String name, Path to) throws IOException {
        try (InputStream in = ReferencePython.class.getResourceAsStream("/reference/" + name)) {
            assertThat(in).as("test resource reference/" + name).isNotNull();
            Files.copy(in, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
