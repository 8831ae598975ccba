package dev.unetscope.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.train.TinyExperiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code --shard I/N} on evaluate and analyze, then {@code merge}: the same results/ as one run; bad merges refused. */
class ShardMergeTest {
    @TempDir
    Path tmp;

    private static final String[] ANALYSIS = {"--samples-per-case", "300", "--mixture-k", "1,2"};

    @Test
    void threeShardsMergeIntoTheSameFilesAsOneRunAndBadMergesAreRefused() throws Exception {
        Path one = tmp.resolve("one");
        TinyExperiment.create(one, 8);
        TinyExperiment.trainTiny(one, "dice,bce", 4, 2);
        Path sharded = tmp.resolve("sharded");
        copyTree(one, sharded);

        run(0, "evaluate", "--experiment", one.toString());
        run(0, concat(new String[] {"analyze", "--experiment", one.toString(), "--resamples", "100"}, ANALYSIS));

        for (int i = 0; i < 3; i++) run(0, "evaluate", "--experiment", sharded.toString(), "--shard", i + "/3");
        for (int i = 0; i < 3; i++) run(0, concat(new String[] {"analyze", "--experiment", sharded.toString(), "--shard", i + "/3"}, ANALYSIS));
        assertThat(Files.exists(sharded.resolve("results/layers.csv"))).as("a shard writes only under shards/").isFalse();
        // round robin over bce:1, bce:4, dice:1, dice:4 (runs by name, steps ascending)
        assertThat(ids(sharded.resolve("shards/analyze/0-of-3/layers.csv"))).containsExactly("bce:1", "dice:4");
        assertThat(ids(sharded.resolve("shards/evaluate/1-of-3/cases.csv"))).containsExactly("bce:4");
        assertThat(ids(sharded.resolve("shards/analyze/2-of-3/case_scores.csv"))).containsExactly("dice:1");
        // a finished shard run again resumes: nothing to do, the same files
        byte[] shardLayers = Files.readAllBytes(sharded.resolve("shards/analyze/2-of-3/layers.csv"));
        CliRun again = run(0, "analyze", "--experiment", sharded.toString(), "--shard", "2/3");
        assertThat(again.out()).contains("analysed 0 checkpoint(s) (1 already done)");
        assertThat(Files.readAllBytes(sharded.resolve("shards/analyze/2-of-3/layers.csv"))).isEqualTo(shardLayers);

        CliRun merged = run(0, "merge", "--experiment", sharded.toString(), "--resamples", "100");
        assertThat(merged.out()).contains("merged 3 shard(s) of evaluate", "merged 3 shard(s) of analyze");

        Map<String, byte[]> expected = files(one.resolve("results"));
        assertThat(expected.keySet()).contains("cases.csv", "checkpoints.csv", "layers.csv", "case_scores.csv", "validation_scores.csv",
                "correlations.csv", "prediction.csv", "prediction_summary.csv", "failure.csv", "predictor.json",
                "case_prediction.csv", "case_prediction_summary.csv", "case_predictor.json", "checkpoint_ranking.csv");
        Map<String, byte[]> got = files(sharded.resolve("results"));
        assertThat(got.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        for (String f : expected.keySet()) assertThat(new String(got.get(f))).as(f).isEqualTo(new String(expected.get(f)));
        assertThat(CsvTable.read(sharded.resolve("results/checkpoints.csv")).rows()).hasSize(4 * 2);
        // merging again changes nothing
        run(0, "merge", "--experiment", sharded.toString(), "--resamples", "100");
        assertSame(got, sharded);

        Path analyze = sharded.resolve("shards/analyze"), evaluate = sharded.resolve("shards/evaluate");
        // a missing shard
        Files.move(analyze.resolve("1-of-3"), tmp.resolve("away"));
        refused(sharded, got, "shards/analyze/1-of-3: is missing (shard 1/3 has not run)");
        Files.move(tmp.resolve("away"), analyze.resolve("1-of-3"));
        // an unfinished shard (killed before its manifest)
        Files.move(evaluate.resolve("2-of-3/shard.json"), tmp.resolve("manifest"));
        refused(sharded, got, "shards/evaluate/2-of-3: has not finished");
        Files.move(tmp.resolve("manifest"), evaluate.resolve("2-of-3/shard.json"));
        // the same shard twice (a copy brought back from a node)
        copyTree(analyze.resolve("0-of-3"), analyze.resolve("0-of-3-again"));
        refused(sharded, got, "shards/analyze/0-of-3-again: is shard 0/3 again, like shards/analyze/0-of-3");
        deleteTree(analyze.resolve("0-of-3-again"));
        // a table with a row of a checkpoint its manifest does not list (copied in from another shard)
        Path layers1 = analyze.resolve("1-of-3/layers.csv");
        byte[] layers1Before = Files.readAllBytes(layers1);
        List<String> foreign = Files.readAllLines(analyze.resolve("0-of-3/layers.csv"));
        Files.writeString(layers1, new String(layers1Before) + foreign.get(1) + "\n");
        refused(sharded, got, "shards/analyze/1-of-3/layers.csv: holds rows of checkpoint bce:1, which its shard.json does not list");
        Files.write(layers1, layers1Before);
        // shards of another N beside these
        copyTree(evaluate.resolve("0-of-3"), evaluate.resolve("0-of-2"));
        edit(evaluate.resolve("0-of-2/shard.json"), m -> m.put("count", 2));
        refused(sharded, got, "shards/evaluate/0-of-3: is shard 0 of 3, but shards/evaluate/0-of-2 is one of 2");
        deleteTree(evaluate.resolve("0-of-2"));
        // two shards covering the same checkpoint
        edit(analyze.resolve("1-of-3/shard.json"), m -> m.putArray("checkpoints").add("bce:4").add("dice:4"));
        refused(sharded, got, "shards/analyze/1-of-3: covers checkpoint dice:4 like shards/analyze/0-of-3");
        edit(analyze.resolve("1-of-3/shard.json"), m -> m.putArray("checkpoints").add("bce:4"));
        // one shard made with other settings (it records them in experiment.json, so the others now differ from the record)
        run(0, "analyze", "--experiment", sharded.toString(), "--shard", "1/3", "--samples-per-case", "200", "--recompute");
        refused(sharded, got, "shards/analyze/0-of-3: was made with other settings than the experiment records");
        CliRun why = CliRun.of("merge", "--experiment", sharded.toString());
        assertThat(why.err()).contains("samplesPerCase 200 in experiment.json, 300 in the shard");
    }

    @Test
    void badShardOptionsAndAnEmptyMergeAreOneLine() {
        Path ex = tmp.resolve("e");
        TinyExperiment.create(ex, 6);
        TinyExperiment.trainTiny(ex, "dice", 2, 1);
        for (String bad : List.of("3/3", "-1/2", "0/0", "x", "1")) {
            CliRun r = CliRun.of("analyze", "--experiment", ex.toString(), "--shard", bad);
            assertThat(r.code()).as(bad).isEqualTo(2);
            assertThat(r.oneErrorLine()).as(r.err()).isTrue();
            assertThat(r.err()).contains("--shard");
        }
        assertThat(CliRun.of("evaluate", "--experiment", ex.toString(), "--shard", "2/2").code()).isEqualTo(2);
        CliRun none = CliRun.of("merge", "--experiment", ex.toString());
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.oneErrorLine()).isTrue();
        assertThat(none.err()).contains("shards: holds no shards");
        assertThat(Files.exists(ex.resolve("results/checkpoints.csv"))).isFalse();
    }

    @Test
    void featuresShardExportsItsCheckpointsWholeAndResumes() throws Exception {
        Path ex = tmp.resolve("e");
        TinyExperiment.create(ex, 6);
        TinyExperiment.trainTiny(ex, "dice,bce", 2, 2); // bce:1, bce:2, dice:1, dice:2
        Path out = tmp.resolve("features");
        CliRun r = run(0, "features", "--experiment", ex.toString(), "--set", "noisy", "--out", out.toString(), "--shard", "1/3", "--samples-per-case", "50");
        assertThat(r.out()).contains("exported 1 checkpoint(s) (0 already there)");
        List<String> dirs;
        try (var w = Files.walk(out, 2)) {
            dirs = w.filter(p -> p.getNameCount() == out.getNameCount() + 2).map(p -> out.relativize(p).toString()).sorted().toList();
        }
        assertThat(dirs).hasSize(1);
        assertThat(dirs.get(0)).startsWith("bce/step-");
        // the same bytes as the one-checkpoint export of that checkpoint
        int s = Integer.parseInt(dirs.get(0).substring("bce/step-".length()));
        Path single = tmp.resolve("single");
        run(0, "features", "--experiment", ex.toString(), "--set", "noisy", "--out", single.toString(), "--checkpoint", "bce:" + s, "--samples-per-case", "50");
        for (String f : List.of("enc1.npy", "bottleneck.npy", "positions.npy", "cases.txt")) {
            assertThat(Files.readAllBytes(out.resolve(dirs.get(0)).resolve(f))).as(f).isEqualTo(Files.readAllBytes(single.resolve(f)));
        }
        assertThat(out.resolve(dirs.get(0)).resolve("features.json")).exists();
        assertThat(run(0, "features", "--experiment", ex.toString(), "--set", "noisy", "--out", out.toString(), "--shard", "1/3", "--samples-per-case", "50").out())
                .contains("exported 0 checkpoint(s) (1 already there)");
        CliRun other = CliRun.of("features", "--experiment", ex.toString(), "--set", "noisy", "--out", out.toString(), "--shard", "1/3", "--samples-per-case", "60");
        assertThat(other.code()).isEqualTo(2);
        assertThat(other.oneErrorLine()).isTrue();
        assertThat(other.err()).contains("was exported with other settings");
    }

    // ---- helpers --------------------------------------------------------------------------------

    private static CliRun run(int code, String... args) {
        CliRun r = CliRun.of(args);
        assertThat(r.code()).as(String.join(" ", args) + "\n" + r.out() + r.err()).isEqualTo(code);
        return r;
    }

    /** merge exits 2 with one line containing {@code message} and leaves results/ as it was. */
    private static void refused(Path exp, Map<String, byte[]> before, String message) throws Exception {
        CliRun r = CliRun.of("merge", "--experiment", exp.toString(), "--resamples", "100");
        assertThat(r.code()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.oneErrorLine()).as(r.err()).isTrue();
        assertThat(r.err()).contains(message);
        assertSame(before, exp);
    }

    private static void assertSame(Map<String, byte[]> before, Path exp) throws Exception {
        Map<String, byte[]> now = files(exp.resolve("results"));
        assertThat(now.keySet()).containsExactlyInAnyOrderElementsOf(before.keySet());
        for (String f : before.keySet()) assertThat(now.get(f)).as(f).isEqualTo(before.get(f));
    }

    private static String[] concat(String[] a, String[] b) {
        List<String> l = new ArrayList<>(List.of(a));
        l.addAll(List.of(b));
        return l.toArray(String[]::new);
    }

    /** The distinct RUN:STEP of a table, in row order. */
    private static List<String> ids(Path table) {
        if (!Files.isRegularFile(table)) return List.of();
        return CsvTable.read(table).records().stream().map(r -> r.get("run") + ":" + r.get("step")).distinct().toList();
    }

    private static Map<String, byte[]> files(Path dir) throws Exception {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (var s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) if (Files.isRegularFile(p) && !p.getFileName().toString().startsWith(".")) out.put(p.getFileName().toString(), Files.readAllBytes(p));
        }
        return out;
    }

    private static void edit(Path json, java.util.function.Consumer<ObjectNode> change) throws Exception {
        ObjectMapper m = new ObjectMapper();
        ObjectNode n = (ObjectNode) m.readTree(json.toFile());
        change.accept(n);
        Files.write(json, m.writeValueAsBytes(n));
    }

    static void copyTree(Path from, Path to) throws Exception {
        try (var s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path q = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(q);
                else Files.copy(p, q);
            }
        }
    }

    private static void deleteTree(Path p) throws Exception {
        try (var w = Files.walk(p)) {
            for (Path q : w.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }
}
