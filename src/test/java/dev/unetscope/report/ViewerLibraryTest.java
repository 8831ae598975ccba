package dev.unetscope.report;

import dev.unetscope.cli.Main;
import dev.unetscope.train.TinyExperiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Without the viewer's library (npm or its registry unreachable at build time) the build goes on and the report says why in one line. */
class ViewerLibraryTest {
    @TempDir
    Path tmp;

    @Test
    void buildScriptWithoutTheRegistryWritesWhyAndSucceeds() throws Exception {
        Path out = tmp.resolve("out"), work = tmp.resolve("work");
        ProcessBuilder pb = new ProcessBuilder("bash", Path.of("src/main/viewer/build.sh").toAbsolutePath().toString(), out.toString(), work.toString())
                .redirectErrorStream(true);
        // a registry nobody listens on and an empty cache: what a machine without the registry sees
        pb.environment().put("npm_config_registry", "http://127.0.0.1:9/");
        pb.environment().put("npm_config_cache", tmp.resolve("npm-cache").toString());
        pb.environment().put("npm_config_fetch_retries", "0");
        Process p = pb.start();
        String said = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("the build goes on: " + said).isZero();
        Path dir = out.resolve("dev/unetscope/report/viewer");
        assertThat(dir.resolve("niivue.js")).doesNotExist();
        List<String> why = Files.readAllLines(dir.resolve("niivue-missing.txt"));
        assertThat(why).hasSize(1);
        assertThat(why.get(0)).startsWith("the viewer's library was not built: ");
        if (new ProcessBuilder("bash", "-c", "command -v npm").start().waitFor() == 0) assertThat(why.get(0)).contains("npm ci").contains("registry");
        assertThat(said).contains("the report will be written without the viewer");
    }

    @Test
    void reportWithoutTheLibraryIsWrittenAndSaysWhyInOneLine() throws Exception {
        Path ex = tmp.resolve("e");
        TinyExperiment.create(ex, 6);
        Path absent = tmp.resolve("no-such-bundle.js");
        System.setProperty("unetscope.viewer.bundle", absent.toString());
        try {
            assertThat(Main.execute("report", "--experiment", ex.toString())).isZero();
        } finally {
            System.clearProperty("unetscope.viewer.bundle");
        }
        String html = Files.readString(ex.resolve("report/index.html"));
        assertThat(html).contains("<p class=\"no-viewer\">the viewer's library " + absent + " is missing</p>");
        assertThat(html).contains("<li>the viewer's library " + absent + " is missing</li>");
        assertThat(ex.resolve("report/viewer.html")).doesNotExist();
        assertThat(ex.resolve("report/viewer")).doesNotExist();
    }
}
