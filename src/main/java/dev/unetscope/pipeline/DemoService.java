package dev.unetscope.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unetscope.data.CropLoss;
import dev.unetscope.data.Dataset;
import dev.unetscope.data.DatasetCheck;
import dev.unetscope.data.DecathlonWriter;
import dev.unetscope.data.LabelMerge;
import dev.unetscope.data.LabelledVolume;
import dev.unetscope.data.Preprocessing;
import dev.unetscope.data.PreprocessingPlan;
import dev.unetscope.data.ShiftTransforms;
import dev.unetscope.data.Splits;
import dev.unetscope.data.phantom.PhantomCohort;
import dev.unetscope.data.phantom.PhantomConfig;
import dev.unetscope.data.phantom.Shift;
import dev.unetscope.data.phantom.ShiftLadder;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.io.BadInputException;
import dev.unetscope.metrics.AnalysisConfig;
import dev.unetscope.model.UNetConfig;
import dev.unetscope.train.TrainConfig;
import dev.unetscope.volume.VolumeStats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The whole pipeline, composed from the stage services: the data (a phantom cohort and its test cases
 * re-generated under the shift presets, or a real labelled dataset whose test split is shifted with
 * the image-level presets), then train, evaluate, analyse, correlate and report. Re-running reuses
 * the data when it is the same and every stage resumes.
 */
public final class DemoService {
    /** demo: a laptop CPU in minutes; seed: the paper's scale, for a GPU machine. */
    public enum Scale { demo, seed }

    /**
     * The demo's shifted query sets, {@code PRESET@LEVEL} ({@link ShiftLadder}): a mild (2) and a
     * severe (5) level of the noise and resolution ladders and of the second hospital that differs in
     * every image knob at once. Chosen from what the presets do, before any IoU was measured: all
     * three apply to real images as well, so {@code demo --data} gets the same list, and six sets
     * keep the analysis within the demo's minutes.
     */
    public static final List<String> DEMO_QUERY_SETS = List.of("noisy@2", "noisy@5", "blurred@2", "blurred@5", "scanner-b@2", "scanner-b@5");
    /** The severity levels every ladder preset gets at the seed scale. */
    public static final List<Integer> SEED_SCALE_LEVELS = List.of(2, 5);

    /**
     * The shifted query sets for a scale: the demo's list ({@link #DEMO_QUERY_SETS}), or at the seed
     * scale every ladder preset at each of {@link #SEED_SCALE_LEVELS}. {@code phantoms} false leaves
     * out the presets that change anatomy (gland_contrast), which real images cannot take.
     */
    public static List<String> querySets(Scale scale, boolean phantoms) {
        List<String> names = new ArrayList<>();
        if (scale == Scale.demo) {
            names.addAll(DEMO_QUERY_SETS);
        } else {
            for (String p : ShiftLadder.presets()) for (int level : SEED_SCALE_LEVELS) names.add(ShiftLadder.name(p, level));
        }
        if (!phantoms) names.removeIf(n -> Shift.preset(n).glandContrast() != 1);
        return List.copyOf(names);
    }

    /** What experiment.json's queries section says of a shifted set: its folder, preset, level and knobs. */
    static Map<String, Object> shiftedQuery(String name) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("path", "data/query/" + name);
        int at = name.indexOf(ShiftLadder.SEPARATOR);
        m.put("preset", at < 0 ? name : name.substring(0, at));
        if (at >= 0) m.put("level", Integer.parseInt(name.substring(at + 1)));
        m.put("shift", Shift.preset(name).asMap());
        return m;
    }

    /**
     * Checkpoints the demo analyses at once: two where there are two cores. One checkpoint keeps about
     * 1.2 cores busy (libtorch's passes use both, the metrics' Java one); two overlap them, with the
     * same tables (measured on 2 checkpoints of the full demo: 125 s instead of 169 s wall, 61 s
     * against 58 s of CPU, peak RSS 1.39 GB against 1.12 GB, under load about 17).
     */
    static final int ANALYSIS_JOBS = Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors()));

    /**
     * @param out            experiment folder
     * @param cases          phantoms in the cohort (at least 5; the seed scale uses at least 200)
     * @param seed           seed of the cohort, the split and training
     * @param steps          training steps per run
     * @param checkpoints    checkpoints per run
     * @param objectives     objectives to train
     * @param samplesPerCase receptive-field positions per case for the metrics
     * @param dataOnly       stop after the data
     * @param scale          demo or seed
     * @param data           a real labelled dataset instead of phantoms (null: phantoms)
     * @param channel        with data: the image channel of 4D files
     * @param labels         with data: label values that are gland
     * @param spacing        with data: target voxel size in mm, or null to plan it from the dataset ({@link PreprocessingPlan})
     * @param shape          with data: target shape, or null to plan it
     * @param queries        the user's own query sets by name (dataset folders, labelled or not), beside the shifted copies
     * @param maxVoxels      with data: the plan's budget in voxels per volume
     * @param allowCropLoss  with data: accept a crop that cuts away more than {@link CropLoss#MAX_FRACTION} of a case's foreground
     * @param replaceNonFinite with data and query sets: replace NaN/Inf image voxels with the image's minimum instead of refusing them
     */
    public record Settings(Path out, int cases, long seed, int steps, int checkpoints, List<String> objectives, int samplesPerCase,
                           boolean dataOnly, Scale scale, Path data, int channel, String labels, double[] spacing, int[] shape,
                           Map<String, Path> queries, long maxVoxels, boolean allowCropLoss, boolean replaceNonFinite) {
        public Settings {
            if (cases < 5) throw new BadInputException("--cases " + cases + " is too few for a train/val/test split", "use at least 5");
            queries = queries == null ? Map.of() : new LinkedHashMap<>(queries);
        }

        public Settings(Path out, int cases, long seed, int steps, int checkpoints, List<String> objectives, int samplesPerCase,
                        boolean dataOnly, Scale scale, Path data, int channel, String labels, double[] spacing, int[] shape, Map<String, Path> queries) {
            this(out, cases, seed, steps, checkpoints, objectives, samplesPerCase, dataOnly, scale, data, channel, labels, spacing, shape, queries,
                    PreprocessingPlan.DEFAULT_MAX_VOXELS, false, false);
        }
    }

    /** The file of the data stage's per-case fingerprint and crop loss, under the experiment's data/ folder. */
    public static final String FINGERPRINT_CSV = "fingerprint.csv";

    /**
     * Checks the user's query sets before anything is written: each folder exists and has cases, and
     * no name is a split's (train, val, test) or a shifted copy's.
     */
    static Map<String, Object> userQueries(Settings s) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Path> e : s.queries().entrySet()) {
            String name = e.getKey();
            if (name.isBlank() || List.of("train", "val", "test").contains(name) || Shift.presetNames().contains(name) || ShiftLadder.isLevelled(name)) {
                throw new BadInputException("--query " + name + "=... uses the name of a split or a shifted query set", "choose another name for the query set");
            }
            Path dir = e.getValue().toAbsolutePath();
            if (!Files.isDirectory(dir)) throw new BadInputException(dir, "query dataset folder does not exist", "give a dataset folder (images/ with or without labels/, or a Decathlon folder)");
            // an empty or malformed folder, or any case that would fail later, is refused here
            int channels = s.data() == null ? 1 : Dataset.open(s.data(), s.channel(), LabelMerge.parse(s.labels()), false).inputChannels();
            DatasetCheck.run(Dataset.openQuery(dir, s.channel(), LabelMerge.parse(s.labels()), channels), DatasetCheck.Settings.query(s.replaceNonFinite(), DatasetCheck.Settings.REMEDY));
            out.put(name, Map.of("path", dir.toString()));
        }
        return out;
    }

    /** One line of the data summary: a set's case count, gland fraction and intensity statistics. */
    public record SetSummary(String name, int cases, double glandMean, double glandMin, double glandMax, double mean, double sd, long nan) {}

    /** What the data stage made; {@code firstImage} is one case for the person to inspect. */
    public record DataResult(Experiment experiment, String description, Path firstImage, List<SetSummary> sets, double seconds, List<String> plan) {
        public DataResult(Experiment experiment, String description, Path firstImage, List<SetSummary> sets, double seconds) {
            this(experiment, description, firstImage, sets, seconds, List.of());
        }
    }

    public record Result(Experiment experiment, Path report, Map<String, Double> stageSeconds) {}

    public Result run(Settings s, Progress progress) throws Exception {
        long t0 = System.nanoTime();
        int cases = s.cases(), steps = s.steps(), checkpoints = s.checkpoints(), samples = s.samplesPerCase(), replicates = 1;
        UNetConfig net = UNetConfig.defaults();
        if (s.scale() == Scale.seed) {
            cases = Math.max(cases, 200);
            steps = 3000;
            checkpoints = 30; // 4 objectives x 30 checkpoints = the seed's 120 points
            replicates = 1;
            samples = 2000;
            net = UNetConfig.seedScale();
        }
        Map<String, Object> own = userQueries(s);
        DataResult data = s.data() == null ? phantoms(s, cases, t0) : realData(s, net.sizeMultiple(), t0);
        if (!own.isEmpty()) {
            Map<String, Object> section = new LinkedHashMap<>();
            data.experiment().section("queries").fields().forEachRemaining(f -> section.put(f.getKey(), f.getValue()));
            section.putAll(own);
            data.experiment().putSection("queries", section);
        }
        progress.finished("data", data);
        Map<String, Double> times = new LinkedHashMap<>();
        times.put("data", data.seconds());
        if (s.dataOnly()) return new Result(data.experiment(), null, times);
        Experiment exp = data.experiment();

        TrainConfig train = new TrainConfig(s.objectives(), replicates, steps, TrainConfig.DEFAULT_BATCH, checkpoints, TrainConfig.DEFAULT_LR, s.seed(), true, net);
        TrainService.Result tr = new TrainService().run(exp, train, progress);
        progress.finished("train", tr);
        times.put("train", tr.seconds());
        EvaluateService.Result ev = new EvaluateService().run(exp, EvaluateService.Settings.defaults(), progress);
        progress.finished("evaluate", ev);
        times.put("evaluate", ev.seconds());
        // the demo fits mixtures with K = 1, 2, 4 (the analyze default adds 8) to stay within minutes on 2 cores
        AnalysisConfig analysis = AnalysisConfig.defaults().withSamplesPerCase(samples);
        if (s.scale() == Scale.demo) analysis = analysis.withMixtureKs(List.of(1, 2, 4));
        AnalyzeService.Result an = new AnalyzeService().run(exp, new AnalyzeService.Settings(analysis, ANALYSIS_JOBS, false), progress);
        progress.finished("analyze", an);
        times.put("analyze", an.seconds());
        long t5 = System.nanoTime();
        CorrelateService.Result co = new CorrelateService().run(exp,
                new CorrelateService.Settings(CorrelateService.Settings.DEFAULT_RESAMPLES, s.seed(), CorrelateService.Settings.DEFAULT_FAILURE_THRESHOLD), progress);
        progress.finished("correlate", co);
        times.put("correlate", (System.nanoTime() - t5) / 1e9);
        ReportService.Result rep = new ReportService().run(exp, new ReportService.Settings(3), progress);
        progress.finished("report", rep);
        times.put("report", rep.seconds());
        times.put("total", (System.nanoTime() - t0) / 1e9);
        return new Result(exp, rep.index(), times);
    }

    private DataResult phantoms(Settings s, int cases, long t0) throws IOException {
        Experiment exp = Experiment.openOrCreate(s.out());
        PhantomConfig cfg = PhantomConfig.demo();
        List<Integer> all = IntStream.range(0, cases).boxed().toList();
        Path cohort = exp.dataDir().resolve("phantoms");
        ensureCohort(cohort, cfg, s.seed(), all);
        Dataset ds = Dataset.open(cohort);
        Splits splits = Splits.of(ds.cases().stream().map(c -> c.id()).toList(), s.seed());
        splits.write(exp);

        Map<String, Object> queries = new LinkedHashMap<>();
        queries.put("test", Map.of("path", "data/phantoms", "split", "test", "shift", Shift.NEUTRAL.asMap()));
        List<Integer> testIdx = splits.test().stream().map(PhantomCohort::indexOf).toList();
        for (String name : querySets(s.scale(), true)) {
            Path q = exp.dataDir().resolve("query").resolve(name);
            ensureCohort(q, cfg.withShift(Shift.preset(name)), s.seed(), testIdx);
            queries.put(name, shiftedQuery(name));
        }
        double[] sp = cfg.spacing();
        exp.putSection("data", Map.of("source", "phantom", "path", "data/phantoms", "provenance", PhantomCohort.provenance(cfg, s.seed(), all)));
        // the phantoms' own grid, fixed (nothing to plan: the generator made the data); --replace-non-finite is for the user's --query sets
        exp.putSection("preprocessing", Preprocessing.of(sp, new int[] {cfg.nx(), cfg.ny(), cfg.nz()},
                s.replaceNonFinite() ? Preprocessing.NonFinite.REPLACE_WITH_MIN : Preprocessing.NonFinite.REFUSE));
        exp.putSection("splits", Map.of("seed", s.seed(), "train", Splits.DEFAULT_TRAIN, "val", Splits.DEFAULT_VAL, "file", Splits.FILE));
        exp.putSection("queries", queries);
        double seconds = (System.nanoTime() - t0) / 1e9;
        List<SetSummary> sets = new ArrayList<>();
        sets.add(summarise("cohort", ds, null));
        for (String q : queries.keySet()) {
            sets.add(q.equals("test") ? summarise("test", ds, splits.test()) : summarise(q, Dataset.open(exp.dataDir().resolve("query").resolve(q)), null));
        }
        String description = String.format("%d phantoms (%dx%dx%d at %.1fx%.1fx%.1f mm), split %d train / %d val / %d test, %d shifted query sets (%.1f s)",
                cases, cfg.nx(), cfg.ny(), cfg.nz(), sp[0], sp[1], sp[2], splits.train().size(), splits.val().size(), splits.test().size(),
                queries.size() - 1, seconds);
        return new DataResult(exp, description, ds.cases().get(0).image(), sets, seconds);
    }

    /**
     * A real labelled dataset: every case checked ({@link DatasetCheck}), the spacing and shape planned
     * from it ({@link PreprocessingPlan}), the crop's foreground loss measured ({@link CropLoss}), all
     * before anything is written; then split it and shift its test cases with the image-level presets.
     */
    private DataResult realData(Settings s, int sizeMultiple, long t0) {
        Dataset ds = Dataset.open(s.data(), s.channel(), LabelMerge.parse(s.labels()), false);
        if (!ds.labelled()) {
            throw new BadInputException(s.data(), "has no labels", "the experiment's train, validation and test splits need masks; give unlabelled scans as --query NAME=DIR");
        }
        if (ds.size() < 5) {
            throw new BadInputException(s.data(), "has " + ds.size() + " cases, too few for a train/val/test split", "give at least 5 labelled cases");
        }
        DatasetCheck.Fingerprint fp = DatasetCheck.run(ds, DatasetCheck.Settings.training(s.replaceNonFinite()));
        PreprocessingPlan plan = PreprocessingPlan.of(fp, s.spacing(), s.shape(), sizeMultiple, s.maxVoxels());
        Preprocessing prep = Preprocessing.of(plan.spacing(), plan.shape(),
                s.replaceNonFinite() ? Preprocessing.NonFinite.REPLACE_WITH_MIN : Preprocessing.NonFinite.REFUSE);
        List<CropLoss.CaseLoss> losses = CropLoss.measure(ds, prep);
        CropLoss.check(ds, losses, prep, s.allowCropLoss());
        Splits splits = Splits.of(ds.cases().stream().map(c -> c.id()).toList(), s.seed());
        java.util.Set<String> train = new java.util.HashSet<>(splits.train());
        if (fp.cases().stream().filter(c -> train.contains(c.id())).allMatch(c -> c.foreground() == 0)) {
            throw new BadInputException(s.data(), "none of the " + train.size() + " training cases of the split (seed " + s.seed() + ") has foreground; only "
                    + fp.foregroundCases() + " of " + ds.size() + " cases have any", "add labelled cases with foreground, or choose another --seed");
        }
        Experiment exp = Experiment.openOrCreate(s.out());
        splits.write(exp);
        Map<String, Object> queries = new LinkedHashMap<>();
        queries.put("test", Map.of("path", s.data().toAbsolutePath().toString(), "split", "test"));
        for (String preset : querySets(s.scale(), false)) { // gland contrast changes anatomy: phantoms only
            Shift sh = Shift.preset(preset);
            Path q = exp.dataDir().resolve("query").resolve(preset);
            if (!Files.isRegularFile(q.resolve("dataset.json"))) {
                try (DecathlonWriter w = new DecathlonWriter(q, "shifted " + s.data().getFileName(), true)) {
                    int i = 0;
                    for (var c : ds.cases()) {
                        if (!splits.test().contains(c.id())) continue;
                        LabelledVolume v = ds.read(c);
                        w.add(ShiftTransforms.applyToEveryChannel(v, sh, s.seed() * 1_000_003L + i++));
                    }
                    w.finish("test split of " + s.data() + " shifted with " + preset,
                            Map.of("source", s.data().toAbsolutePath().toString(), "shift", sh.asMap()));
                }
            }
            queries.put(preset, shiftedQuery(preset));
        }
        exp.putSection("data", Map.of("source", "dataset", "path", s.data().toAbsolutePath().toString(), "channel", s.channel(), "labels", s.labels()));
        exp.putSection("preprocessing", prep);
        Map<String, Object> planned = plan.asMap();
        planned.put("crop_loss", cropSummary(losses));
        planned.put("label_values", fp.labelValues());
        planned.put("non_finite_cases", fp.nonFiniteCases());
        planned.put("fingerprint", "data/" + FINGERPRINT_CSV);
        exp.putSection("plan", planned);
        fingerprintTable(fp, losses).write(exp.dataDir().resolve(FINGERPRINT_CSV));
        exp.putSection("splits", Map.of("seed", s.seed(), "train", Splits.DEFAULT_TRAIN, "val", Splits.DEFAULT_VAL, "file", Splits.FILE));
        exp.putSection("queries", queries);
        double seconds = (System.nanoTime() - t0) / 1e9;
        String description = String.format("%d cases from %s, split %d train / %d val / %d test, %d shifted query sets (%.1f s)", ds.size(), s.data(),
                splits.train().size(), splits.val().size(), splits.test().size(), queries.size() - 1, seconds);
        return new DataResult(exp, description, null, List.of(), seconds, planLines(fp, plan, losses, s.allowCropLoss()));
    }

    /** What the data stage prints about the check and the plan. */
    static List<String> planLines(DatasetCheck.Fingerprint fp, PreprocessingPlan plan, List<CropLoss.CaseLoss> losses, boolean allowed) {
        List<String> out = new ArrayList<>();
        out.add(String.format("checked %d cases (images and masks read whole): label values %s, %d with foreground, %d with NaN/Inf voxels replaced",
                fp.cases().size(), fp.labelValues(), fp.foregroundCases(), fp.nonFiniteCases()));
        out.add("plan: " + plan.describe());
        List<CropLoss.CaseLoss> lossy = losses.stream().filter(l -> l.lost() > 0).toList();
        if (lossy.isEmpty()) {
            out.add("crop: no case loses label voxels");
        } else {
            out.add(String.format("crop: %d of %d cases lose label voxels%s (per case in data/%s):", lossy.size(), losses.size(),
                    allowed ? " (allowed by --allow-crop-loss)" : "", FINGERPRINT_CSV));
            for (CropLoss.CaseLoss l : lossy.subList(0, Math.min(10, lossy.size()))) {
                out.add(String.format("  %-24s %6.2f%% (%d of %d voxels)", l.id(), 100 * l.fraction(), l.lost(), l.foreground()));
            }
            if (lossy.size() > 10) out.add("  and " + (lossy.size() - 10) + " more");
        }
        return out;
    }

    private static Map<String, Object> cropSummary(List<CropLoss.CaseLoss> losses) {
        Map<String, Object> m = new LinkedHashMap<>();
        CropLoss.CaseLoss worst = losses.stream().filter(l -> l.lost() > 0).max(java.util.Comparator.comparingDouble(CropLoss.CaseLoss::fraction)).orElse(null);
        m.put("threshold", CropLoss.MAX_FRACTION);
        m.put("cases_losing_voxels", losses.stream().filter(l -> l.lost() > 0).count());
        m.put("cases_above_threshold", losses.stream().filter(l -> l.fraction() > CropLoss.MAX_FRACTION).count());
        m.put("max_fraction", worst == null ? 0.0 : worst.fraction());
        m.put("max_case", worst == null ? "" : worst.id());
        return m;
    }

    private static CsvTable fingerprintTable(DatasetCheck.Fingerprint fp, List<CropLoss.CaseLoss> losses) {
        CsvTable t = new CsvTable(List.of("case", "nx", "ny", "nz", "spacing_x", "spacing_y", "spacing_z", "non_finite", "foreground",
                "foreground_resampled", "crop_lost", "crop_loss_fraction"));
        Map<String, CropLoss.CaseLoss> byId = new LinkedHashMap<>();
        for (CropLoss.CaseLoss l : losses) byId.put(l.id(), l);
        for (DatasetCheck.CaseFingerprint c : fp.cases()) {
            CropLoss.CaseLoss l = byId.get(c.id());
            int[] d = c.dims();
            double[] sp = c.spacing();
            t.add(List.of(c.id(), d[0], d[1], d[2], CsvTable.num(sp[0]), CsvTable.num(sp[1]), CsvTable.num(sp[2]), c.nonFinite(), c.foreground(),
                    l == null ? 0 : l.foreground(), l == null ? 0 : l.lost(), CsvTable.num(l == null ? 0 : l.fraction())));
        }
        return t;
    }

    /** Writes the cohort unless the same one (same generator, seed, grid, shift, cases) is already there. */
    private static void ensureCohort(Path dir, PhantomConfig cfg, long seed, List<Integer> indices) throws IOException {
        Map<String, Object> want = PhantomCohort.provenance(cfg, seed, indices);
        Path json = dir.resolve("dataset.json");
        if (Files.isRegularFile(json)) {
            ObjectMapper m = new ObjectMapper();
            JsonNode have = m.readTree(json.toFile()).path("unetscope");
            if (have.equals(m.readTree(m.writeValueAsString(want)))) return; // through text, so 7 and 7L compare equal
        }
        PhantomCohort.write(dir, cfg, seed, indices, true);
    }

    static SetSummary summarise(String name, Dataset ds, List<String> only) {
        double glandSum = 0, glandMin = Double.MAX_VALUE, glandMax = 0, mean = 0, sq = 0;
        long n = 0, nan = 0;
        int count = 0;
        for (var c : ds.cases()) {
            if (only != null && !only.contains(c.id())) continue;
            LabelledVolume v = ds.read(c);
            nan += VolumeStats.of(v.image()).nanCount();
            double g = 0;
            for (float x : v.mask().data()) g += x;
            g = 100 * g / v.mask().size();
            glandSum += g;
            glandMin = Math.min(glandMin, g);
            glandMax = Math.max(glandMax, g);
            for (float x : v.image().data()) {
                if (!Float.isFinite(x)) continue;
                mean += x;
                sq += (double) x * x;
                n++;
            }
            count++;
        }
        double m = mean / n;
        return new SetSummary(name, count, glandSum / count, glandMin, glandMax, m, Math.sqrt(Math.max(0, sq / n - m * m)), nan);
    }
}
