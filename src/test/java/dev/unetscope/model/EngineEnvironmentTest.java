package dev.unetscope.model;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The launcher (its own export lines, run in bash), the test runner and both modules' surefire give
 * the engine the values of {@link EngineEnvironment#resolve} (Spark's executors take them from it
 * directly), so a value changed in one place and not the others fails here.
 */
class EngineEnvironmentTest {
    private static final Path ROOT = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();

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
    void resolveKeepsTheUsersValuesAndGivesTheSpinCountOnlyUnderPassive() {
        Map<String, String> none = EngineEnvironment.resolve(Map.of());
        assertThat(none).containsExactly(Map.entry("ONEDNN_MAX_CPU_ISA", "AVX2"), Map.entry("OMP_WAIT_POLICY", "PASSIVE"),
                Map.entry("GOMP_SPINCOUNT", "10000"), Map.entry("MALLOC_TRIM_THRESHOLD_", "268435456"),
                Map.entry("MALLOC_MMAP_THRESHOLD_", "67108864"));
        // a value set wins; an empty one counts as unset, as the launcher's ${X:-default} has it
        Map<String, String> given = EngineEnvironment.resolve(Map.of("MALLOC_TRIM_THRESHOLD_", "1", "ONEDNN_MAX_CPU_ISA", "", "OMP_WAIT_POLICY", "passive"));
        assertThat(given.get("MALLOC_TRIM_THRESHOLD_")).isEqualTo("1");
        assertThat(given.get("ONEDNN_MAX_CPU_ISA")).isEqualTo("AVX2");
        assertThat(given.get("GOMP_SPINCOUNT")).isEqualTo("10000");
        // under ACTIVE an explicit spin count would cut its spin short: none unless the user gives one
        assertThat(EngineEnvironment.resolve(Map.of("OMP_WAIT_POLICY", "ACTIVE"))).doesNotContainKey("GOMP_SPINCOUNT");
        assertThat(EngineEnvironment.resolve(Map.of("OMP_WAIT_POLICY", "ACTIVE", "GOMP_SPINCOUNT", "5")).get("GOMP_SPINCOUNT")).isEqualTo("5");
    }

    @Test
    void theLauncherExportsWhatResolveSays() throws Exception {
        // bin/unetscope's own lines, run in bash with a stand-in for java that prints the environment it got
        String launcher = Files.readString(ROOT.resolve("bin/unetscope"));
        String exports = launcher.substring(launcher.indexOf("export ONEDNN_MAX_CPU_ISA"), launcher.indexOf("# the PyTorch natives ship"));
        for (Map<String, String> env : List.of(Map.<String, String>of(), Map.of("OMP_WAIT_POLICY", "ACTIVE"),
                Map.of("MALLOC_MMAP_THRESHOLD_", "7", "OMP_WAIT_POLICY", "passive"))) {
            ProcessBuilder pb = new ProcessBuilder("bash", "-c", "set -euo pipefail\n" + exports
                    + "for v in ONEDNN_MAX_CPU_ISA OMP_WAIT_POLICY GOMP_SPINCOUNT MALLOC_TRIM_THRESHOLD_ MALLOC_MMAP_THRESHOLD_; do echo \"$v=${!v-<unset>}\"; done");
            for (EngineEnvironment.Variable v : EngineEnvironment.DEFAULTS) pb.environment().remove(v.name());
            pb.environment().putAll(env);
            Process p = pb.redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            assertThat(p.waitFor()).as(out).isZero();
            Map<String, String> want = EngineEnvironment.resolve(env);
            StringBuilder expected = new StringBuilder();
            for (EngineEnvironment.Variable v : EngineEnvironment.DEFAULTS) {
                expected.append(v.name()).append('=').append(want.getOrDefault(v.name(), "<unset>")).append('\n');
            }
            assertThat(out).as("bin/unetscope with %s", env).isEqualTo(expected.toString().strip());
        }
    }

    @Test
    void doctorsLinesSayWhatTheProcessGot() {
        assertThat(EngineEnvironment.describe(EngineEnvironment.resolve(Map.of()))).containsExactly(
                "ONEDNN_MAX_CPU_ISA: AVX2", "OMP_WAIT_POLICY: PASSIVE", "GOMP_SPINCOUNT: 10000",
                "MALLOC_TRIM_THRESHOLD_: 268435456", "MALLOC_MMAP_THRESHOLD_: 67108864");
        List<String> lines = EngineEnvironment.describe(Map.of("OMP_WAIT_POLICY", "ACTIVE", "MALLOC_TRIM_THRESHOLD_", "1"));
        assertThat(lines.get(0)).startsWith("ONEDNN_MAX_CPU_ISA: unset (bin/unetscope sets AVX2: oneDNN's AVX-512 path");
        assertThat(lines.get(1)).isEqualTo("OMP_WAIT_POLICY: ACTIVE (unetscope's default is PASSIVE)");
        assertThat(lines.get(2)).startsWith("GOMP_SPINCOUNT: unset (bin/unetscope leaves it unset under OMP_WAIT_POLICY=ACTIVE: ");
        assertThat(lines.get(3)).isEqualTo("MALLOC_TRIM_THRESHOLD_: 1 (unetscope's default is 268435456)");
        assertThat(EngineEnvironment.defaultOf("GOMP_SPINCOUNT")).isEqualTo("10000");
        assertThatThrownBy(() -> EngineEnvironment.defaultOf("PATH")).isInstanceOf(IllegalArgumentException.class);
    }
}
