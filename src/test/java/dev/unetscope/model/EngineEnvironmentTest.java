package dev.unetscope.model;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The launcher, the test runner and both modules' surefire give the engine the values of
 * {@link EngineEnvironment#DEFAULTS} (Spark's executors take them from the list itself), so a value
 * changed in one place and not the others fails here.
 */
class EngineEnvironmentTest {
    private static final Path ROOT = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();

    @Test
    void theLauncherSetsEachVariableToItsDefaultWhenUnset() throws IOException {
        String launcher = Files.readString(ROOT.resolve("bin/unetscope"));
        for (EngineEnvironment.Variable v : EngineEnvironment.DEFAULTS) {
            Matcher m = Pattern.compile("export " + v.name() + "=\"\\$\\{" + v.name() + ":-([^}]*)}\"").matcher(launcher);
            assertThat(m.find()).as("bin/unetscope exports %s with a default", v.name()).isTrue();
            assertThat(m.group(1)).as("bin/unetscope's default for %s", v.name()).isEqualTo(v.value());
        }
    }

    @Test
    void theTestRunnersSetTheSameValues() throws IOException {
        String binTest = Files.readString(ROOT.resolve("bin/test"));
        for (Path pom : new Path[] {ROOT.resolve("pom.xml"), ROOT.resolve("spark/pom.xml")}) {
            String xml = Files.readString(pom);
            for (EngineEnvironment.Variable v : EngineEnvironment.DEFAULTS) {
                assertThat(xml).as("%s surefire environment", pom.getFileName())
                        .contains("<" + v.name() + ">" + v.value() + "</" + v.name() + ">");
            }
        }
        for (EngineEnvironment.Variable v : EngineEnvironment.DEFAULTS) {
            assertThat(binTest).as("bin/test").containsPattern("\\b" + v.name() + "=" + Pattern.quote(v.value()) + "\\b");
        }
    }

    @Test
    void doctorsLinesSayWhatThisProcessGot() {
        // surefire gives this JVM every default (checked above), so each line is the bare value
        assertThat(EngineEnvironment.describe()).containsExactly(
                "ONEDNN_MAX_CPU_ISA: AVX2", "OMP_WAIT_POLICY: PASSIVE", "GOMP_SPINCOUNT: 10000",
                "MALLOC_TRIM_THRESHOLD_: 268435456", "MALLOC_MMAP_THRESHOLD_: 67108864");
        assertThat(EngineEnvironment.defaultOf("GOMP_SPINCOUNT")).isEqualTo("10000");
        assertThatThrownBy(() -> EngineEnvironment.defaultOf("PATH")).isInstanceOf(IllegalArgumentException.class);
    }
}
