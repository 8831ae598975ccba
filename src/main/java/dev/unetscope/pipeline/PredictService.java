package dev.unetscope.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.unetscope.analysis.CheckpointRanking;
import dev.unetscope.analysis.FittedPredictor;
import dev.unetscope.analysis.GeneralizationStudy;
import dev.unetscope.analysis.RidgeModel;
import dev.unetscope.data.Dataset;
import dev.unetscope.data.DatasetCheck;
import dev.unetscope.data.ExperimentData;
import dev.unetscope.data.LabelMerge;
import dev.unetscope.data.PreparedSet;
import dev.unetscope.data.Preprocessing;
import dev.unetscope.data.QueryCompatibility;
import dev.unetscope.data.Splits;
import dev.unetscope.experiment.CheckpointId;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.experiment.Provenance;
import dev.unetscope.experiment.ResultFiles;
import dev.unetscope.experiment.SettingsHash;
import dev.unetscope.features.FeatureExtractor;
import dev.unetscope.features.ReceptiveFieldSampler;
import dev.unetscope.io.AtomicFile;
import dev.unetscope.io.AtomicFolder;
import dev.unetscope.io.BadInputException;
import dev.unetscope.metrics.AnalysisConfig;
import dev.unetscope.metrics.Score;
import dev.unetscope.metrics.Scores;
import dev.unetscope.model.Divergence;
import dev.unetscope.model.SegmentationNetwork;
import dev.unetscope.report.FeatureStrip;
import dev.unetscope.report.Plots;
import dev.unetscope.train.CheckpointRef;
import dev.unetscope.train.CheckpointStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Function;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Predicts how a checkpoint (or several, ranked) will do on a new, unlabelled cohort: the same
 * label-free scores as the analysis, computed with exactly the settings the predictors were fitted on
 * (recorded in predictor.json), then the experiment's set-level ridge predictor (mean IoU with its
 * interval) and its per-case one (each case's IoU with its interval, flagged below the failure
 * threshold). Labels in the folder, if any, are never read.
 *
 * <p>Everything is written to {@code predictions/NAME/} at once (built in a temporary folder, then
 * renamed into place): {@code prediction.json}, {@code checkpoints.csv} (ranked), {@code cases.csv}
 * (every case under every checkpoint, riskiest first) and {@code figures/} (feature strips of the top
 * pick's flagged cases beside an in-distribution case). A name already used for another query folder is
 * refused.
 */
public final class PredictService {
    /** The set name the new cohort carries while it is scored. */
    public static final String QUERY = "query";
    /** Flagged cases of the top pick drawn as feature strips. */
    public static final int STRIPS = 4;
    /** The prediction's record inside its folder. */
    public static final String PREDICTION_JSON = "prediction.json";
    public static final String CHECKPOINTS_CSV = "checkpoints.csv";
    public static final String CASES_CSV = "cases.csv";
    // '@' as in the shifted query sets' names (noisy@5): safe in file names and in the report's links
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]*");

    /**
     * @param checkpoint RUN:STEP, RUN (its last checkpoint), a comma list of these, or {@code all}
     * @param query      a Decathlon dataset or a folder with images/
     * @param channel    image channel of 4D files
     * @param name       the prediction's folder under predictions/ (null: the query folder's name)
     * @param replaceNonFinite replace NaN/Inf voxels with the image minimum (else such an image is refused)
     */
    public record Settings(String checkpoint, Path query, int channel, String name, boolean replaceNonFinite) {
        public Settings(String checkpoint, Path query, int channel, String name) {
            this(checkpoint, query, channel, name, false);
        }

        public Settings(String checkpoint, Path query, int channel) {
            this(checkpoint, query, channel, null, false);
        }
    }

    /** One case under one checkpoint: its per-case scores, predicted IoU with interval, and whether it is flagged. */
    public record CaseResult(String caseId, Map<String, Double> scores, RidgeModel.Prediction prediction, boolean flagged, List<String> missing) {}

    /**
     * One checkpoint on the cohort: its set-level scores, predicted mean IoU, place in the ranking and its cases (riskiest first);
     * {@code reason} says why a diverged checkpoint's predictions are NaN (it is ranked last), else empty.
     */
    public record CheckpointResult(CheckpointId checkpoint, String objective, int replicate, Map<String, Double> values,
                                   RidgeModel.Prediction prediction, int rank, boolean indistinguishable, List<CaseResult> cases, String reason) {
        public long flagged() {
            return cases.stream().filter(CaseResult::flagged).count();
        }
    }

    /**
     * @param checkpoints ranked, highest predicted IoU first
     * @param pairs       (checkpoint, query set) pairs the set-level predictor was fitted on
     * @param notes       the spacing warnings and the labels note, one line each
     */
    public record Result(String name, Path query, int cases, List<CheckpointResult> checkpoints, double threshold, int pairs, List<String> notes,
                         Path folder) {
        /** The top-ranked checkpoint (the only one when one was asked for). */
        public CheckpointResult top() {
            return checkpoints.get(0);
        }

        public CheckpointId checkpoint() {
            return top().checkpoint();
        }

        public Map<String, Double> values() {
            return top().values();
        }

        public RidgeModel.Prediction prediction() {
            return top().prediction();
        }
    }

    public Result run(Experiment exp, Settings s, Progress progress) {
        int channels = ExperimentData.inputChannels(exp);
        Dataset ds = Dataset.open(s.query(), s.channel(), LabelMerge.ALL_POSITIVE, true, channels).expectChannels(channels);
        // every image read and checked before anything else (labels, if any, are never read)
        DatasetCheck.Fingerprint seen = DatasetCheck.run(ds, new DatasetCheck.Settings(false, false, s.replaceNonFinite(), DatasetCheck.Settings.REMEDY));
        Path file = exp.resultsDir().resolve(ResultFiles.PREDICTOR_JSON);
        FittedPredictor predictor = FittedPredictor.read(file);
        AnalysisConfig cfg = settings(exp, predictor, file);
        Path caseFile = exp.resultsDir().resolve(ResultFiles.CASE_PREDICTOR_JSON);
        if (!Files.isRegularFile(caseFile)) {
            throw new BadInputException(caseFile, "no per-case predictor (the experiment was analysed by an older version)", "re-run 'unetscope analyze'");
        }
        FittedPredictor casePredictor = FittedPredictor.read(caseFile);
        if (casePredictor.analysisHash() == null || !casePredictor.analysisHash().equals(predictor.analysisHash())) {
            throw new BadInputException(caseFile, "was fitted with other analysis settings than predictor.json", "re-run 'unetscope analyze'");
        }
        double threshold = CorrelateService.recordedFailureThreshold(exp);
        String name = name(s);
        Path target = exp.root().resolve(ResultFiles.PREDICTIONS_DIR).resolve(name);
        Path query = s.query().toAbsolutePath().normalize();
        refuseOtherQuery(target, query, name);
        List<CheckpointRef> refs = checkpoints(exp, s.checkpoint());

        // everything the checkpoints share is read or computed once: the cohort, the training split, the references
        List<String> trainIds = Splits.read(exp).get("train");
        QueryCompatibility.Report check = QueryCompatibility.check(ExperimentData.dataset(exp), trainIds, ds, seen);
        List<String> notes = new ArrayList<>(check.warnings());
        if (check.labels() != null) notes.add(check.labels());
        for (String n : notes) progress.info(n);
        // the cohort and the training split are prepared once per preprocessing (an imported run's own
        // spacing and normalisation), as each checkpoint's own scans are, and held in memory
        Map<Preprocessing, PreparedSet> cohorts = new LinkedHashMap<>();
        Map<Preprocessing, PreparedSet> trains = new LinkedHashMap<>();
        Map<Preprocessing, PreparedSet> vals = new LinkedHashMap<>(); // ATC's threshold is fitted on the validation split
        // --replace-non-finite lets NaN/Inf voxels past the data check above, so the new scans' preparation replaces them too
        Function<Preprocessing, PreparedSet> cohortOf = prep -> cohorts.computeIfAbsent(prep,
                x -> cohort(ds, s.replaceNonFinite() ? x.replacingNonFinite() : x));
        List<CheckpointRef> finals = CheckpointStore.all(exp).stream().map(m -> CheckpointRef.last(exp, m)).toList();
        var references = CheckpointAnalysis.references(finals, List.of(QUERY), r -> {
            PreparedSet own = cohortOf.apply(r.preprocessing(exp));
            return n -> own;
        }, r -> r.preprocessing(exp));
        CheckpointAnalysis analysis = new CheckpointAnalysis(cfg);

        List<CheckpointResult> unranked = new ArrayList<>();
        for (CheckpointRef ref : refs) {
            Preprocessing prep = ref.preprocessing(exp);
            PreparedSet set = cohortOf.apply(prep);
            PreparedSet train = trains.computeIfAbsent(prep, x -> ExperimentData.split(exp, "train", x));
            PreparedSet val = vals.computeIfAbsent(prep, x -> ExperimentData.split(exp, AnalyzeService.VALIDATION, x));
            CheckpointScores scores = analysis.analyse(ref, prep, train, List.of(QUERY), n -> set, references, val);
            Map<String, Double> values = scores.set(QUERY).predictorValues(cfg.layerWeights());
            // a diverged checkpoint has NaN scores: NaN predictions with its reason (ranked last), not a refusal of the whole cohort
            String reason = scores.set(QUERY).divergence();
            boolean diverged = Divergence.is(reason);
            RidgeModel.Prediction nan = new RidgeModel.Prediction(Double.NaN, Double.NaN, Double.NaN);
            RidgeModel.Prediction p = diverged ? nan : predictor.predict(values);
            List<CaseResult> cases = new ArrayList<>();
            List<CaseScores> cohort = scores.set(QUERY).cases();
            List<Map<String, Double>> inputs = dev.unetscope.analysis.CasePrediction.inputs(cohort.stream().map(CaseScores::values).toList());
            for (int k = 0; k < cohort.size(); k++) {
                CaseScores c = cohort.get(k);
                FittedPredictor.Filled f = diverged ? new FittedPredictor.Filled(nan, List.of()) : casePredictor.predictFilling(inputs.get(k));
                cases.add(new CaseResult(c.caseId(), c.values(), f.prediction(), f.prediction().value() < threshold, f.missing()));
            }
            cases.sort(Comparator.comparingDouble((CaseResult c) -> c.prediction().value()));
            unranked.add(new CheckpointResult(ref.id(), ref.manifest().objective(), ref.manifest().replicate(), values, p, 0, false, cases, reason));
            progress.info("predicted " + ref.id() + ": " + (diverged ? reason + "; predicted IoU NaN" : "mean IoU " + String.format("%.3f", p.value())));
        }
        List<CheckpointRanking.Candidate> cands = new ArrayList<>();
        for (CheckpointResult c : unranked) cands.add(new CheckpointRanking.Candidate(c.checkpoint().toString(), c.prediction().value(), c.prediction().lo(), c.prediction().hi()));
        List<CheckpointResult> ranked = new ArrayList<>();
        for (CheckpointRanking.Ranked r : CheckpointRanking.rank(cands)) {
            CheckpointResult c = unranked.stream().filter(u -> u.checkpoint().toString().equals(r.candidate().id())).findFirst().orElseThrow();
            ranked.add(new CheckpointResult(c.checkpoint(), c.objective(), c.replicate(), c.values(), c.prediction(), r.rank(), r.indistinguishable(), c.cases(), c.reason()));
        }
        CheckpointRef topRef = refs.stream().filter(x -> x.id().equals(ranked.get(0).checkpoint())).findFirst().orElseThrow();
        Preprocessing topPrep = topRef.preprocessing(exp);
        PreparedSet set = cohortOf.apply(topPrep);
        Result result = new Result(name, query, set.size(), ranked, threshold, predictor.n(), notes, target);
        write(exp, result, refs, set, trains.computeIfAbsent(topPrep, x -> ExperimentData.split(exp, "train", x)), cfg, predictor);
        return result;
    }

    /** --name, or the query folder's name; a name that is not a plain folder name is refused. */
    static String name(Settings s) {
        String name = s.name() != null ? s.name() : s.query().toAbsolutePath().normalize().getFileName() == null ? "query"
                : s.query().toAbsolutePath().normalize().getFileName().toString();
        if (!NAME.matcher(name).matches()) {
            throw new BadInputException("prediction name '" + name + "' is not a plain folder name", "give --name with letters, digits, '.', '_', '@' or '-'");
        }
        return name;
    }

    /** A prediction folder belongs to one query folder: another query under the same name is refused, not overwritten. */
    static void refuseOtherQuery(Path target, Path query, String name) {
        Path json = target.resolve(PREDICTION_JSON);
        if (!Files.isRegularFile(json)) {
            if (Files.exists(target)) {
                throw new BadInputException(target, "exists but holds no " + PREDICTION_JSON, "remove it or choose another --name");
            }
            return;
        }
        String before;
        try {
            before = new ObjectMapper().readTree(json.toFile()).path("query").asText("");
        } catch (IOException e) {
            throw new BadInputException(json, "cannot be read: " + e.getMessage().split("\n")[0], "remove the folder or choose another --name");
        }
        if (!before.equals(query.toString())) {
            throw new BadInputException(target, "holds the prediction '" + name + "' for another query folder (" + before + ")",
                    "choose another --name for " + query);
        }
    }

    /** {@code all}, a comma list of RUN:STEP or RUN, or one of these. */
    static List<CheckpointRef> checkpoints(Experiment exp, String spec) {
        if (spec == null || spec.isBlank()) throw new BadInputException("no checkpoint given", "pass --checkpoint RUN:STEP, RUN, a comma list, or all");
        if (spec.trim().equals("all")) {
            List<CheckpointRef> all = CheckpointRef.all(exp);
            if (all.isEmpty()) throw new BadInputException(exp.checkpointsDir(), "has no checkpoints", "run 'unetscope train' or 'unetscope import' first");
            return all;
        }
        LinkedHashMap<CheckpointId, CheckpointRef> out = new LinkedHashMap<>();
        for (String part : spec.split(",")) {
            if (part.isBlank()) continue;
            CheckpointRef r = CheckpointRef.resolve(exp, part.trim());
            out.putIfAbsent(r.id(), r);
        }
        if (out.isEmpty()) throw new BadInputException("no checkpoint in '" + spec + "'", "pass --checkpoint RUN:STEP, RUN, a comma list, or all");
        return new ArrayList<>(out.values());
    }

    /** Columns of predictions/NAME/checkpoints.csv. */
    public static List<String> checkpointColumns() {
        List<String> c = new ArrayList<>(List.of("rank", "run", "objective", "replicate", "step", "cases", "predicted_iou", "lo", "hi", "indistinguishable",
                "flagged_cases"));
        c.addAll(GeneralizationStudy.PREDICTOR_INPUTS);
        c.add("reason");
        return c;
    }

    /** Columns of predictions/NAME/cases.csv: the checkpoint, the case, its per-case scores (as in results/case_scores.csv), the prediction. */
    public static List<String> caseColumns() {
        List<String> c = new ArrayList<>(List.of("rank", "run", "objective", "step", "case"));
        c.addAll(Scores.names(Scores.at(Score.Level.CASE)));
        c.addAll(List.of("predicted_iou", "lo", "hi", "flagged", "missing_inputs", "reason"));
        return c;
    }

    /** Builds the prediction folder beside its target and renames it into place. */
    private void write(Experiment exp, Result r, List<CheckpointRef> refs, PreparedSet set, PreparedSet train, AnalysisConfig cfg,
                       FittedPredictor predictor) {
        Path tmp = null;
        try {
            tmp = AtomicFolder.staging(r.folder());
            CsvTable ck = new CsvTable(checkpointColumns());
            CsvTable cases = new CsvTable(caseColumns());
            for (CheckpointResult c : r.checkpoints()) {
                List<Object> row = new ArrayList<>(List.of(c.rank(), c.checkpoint().run(), c.objective(), c.replicate(), c.checkpoint().step(), r.cases(),
                        c.prediction().value(), c.prediction().lo(), c.prediction().hi(), c.indistinguishable() ? 1 : 0, c.flagged()));
                for (String in : GeneralizationStudy.PREDICTOR_INPUTS) row.add(c.values().getOrDefault(in, Double.NaN));
                row.add(c.reason());
                ck.add(row);
                for (CaseResult k : c.cases()) {
                    List<Object> cr = new ArrayList<>(List.of(c.rank(), c.checkpoint().run(), c.objective(), c.checkpoint().step(), k.caseId()));
                    for (Score sc : Scores.at(Score.Level.CASE)) cr.add(k.scores().getOrDefault(sc.name(), Double.NaN));
                    cr.addAll(List.of(k.prediction().value(), k.prediction().lo(), k.prediction().hi(), k.flagged() ? 1 : 0, String.join(" ", k.missing()), c.reason()));
                    cases.add(cr);
                }
            }
            ck.write(tmp.resolve(CHECKPOINTS_CSV));
            cases.write(tmp.resolve(CASES_CSV));
            List<String> strips;
            try {
                strips = strips(exp, r, refs, set, train, cfg, tmp.resolve("figures"));
            } catch (BadInputException ex) {
                strips = List.of(); // a checkpoint that cannot be drawn loses its pictures, not the prediction
            }
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("name", r.name());
            json.put("query", r.query().toString());
            json.put("created", java.time.Instant.now().toString());
            json.put("cases", r.cases());
            json.put("checkpoints", r.checkpoints().stream().map(c -> c.checkpoint().toString()).toList());
            json.put("failureThreshold", r.threshold());
            json.put("notes", r.notes());
            json.put("strips", strips);
            json.put("analysisHash", predictor.analysisHash());
            json.put("versions", Provenance.versions());
            AtomicFile.writeBytes(tmp.resolve(PREDICTION_JSON), new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(json));
            AtomicFolder.replace(tmp, r.folder());
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + r.folder() + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) AtomicFolder.delete(tmp);
        }
    }

    /**
     * Feature strips of the top pick's flagged cases (worst first, at most {@link #STRIPS}) and of the
     * first in-distribution test case, with the same projection (fitted on the training features), so a
     * person sees where a flagged case's interior stops looking like a familiar one. Returns the files' names.
     */
    private static List<String> strips(Experiment exp, Result r, List<CheckpointRef> refs, PreparedSet set, PreparedSet train, AnalysisConfig cfg,
                                       Path dir) throws IOException {
        CheckpointResult top = r.top();
        List<CaseResult> flagged = top.cases().stream().filter(CaseResult::flagged).limit(STRIPS).toList();
        List<String> out = new ArrayList<>();
        if (flagged.isEmpty()) return out;
        Files.createDirectories(dir);
        CheckpointRef ref = refs.stream().filter(x -> x.id().equals(top.checkpoint())).findFirst().orElseThrow();
        PreparedSet test = ExperimentData.split(exp, "test", ref.preprocessing(exp));
        try (SegmentationNetwork net = ref.open()) {
            ReceptiveFieldSampler sampler = new ReceptiveFieldSampler(cfg.sampleSeed(), cfg.samplesPerCase(), ReceptiveFieldSampler.Mode.UNIFORM);
            Map<String, FeatureStrip.LayerStyle> styles = FeatureStrip.fit(FeatureExtractor.extract(net, train, sampler, net.tapNames()), 6, 1);
            String in = "strip_in_distribution.png";
            Plots.writeImage(FeatureStrip.render(net, test, 0, -1, styles, top.checkpoint() + ", " + test.ids().get(0) + ", test split (in distribution)"),
                    dir.resolve(in));
            out.add(in);
            for (CaseResult c : flagged) {
                int i = set.ids().indexOf(c.caseId());
                String f = "strip_" + c.caseId().replaceAll("[^A-Za-z0-9._-]", "_") + ".png";
                Plots.writeImage(FeatureStrip.render(net, set, i, -1, styles, String.format(java.util.Locale.ROOT, "%s, %s, predicted IoU %.3f (flagged)",
                        top.checkpoint(), c.caseId(), c.prediction().value())), dir.resolve(f));
                out.add(f);
            }
        }
        return out;
    }

    /** The new cohort, streamed, without masks (they are not used even when present). */
    private static PreparedSet cohort(Dataset ds, Preprocessing prep) {
        PreparedSet streamed = PreparedSet.stream(QUERY, ds, null, prep).unlabelled();
        return streamed.withImages(new ArrayList<>(streamed.images())); // read once, scored by every checkpoint
    }

    /** The analysis settings of the predictor, refused in one line when the experiment's recorded settings differ. */
    static AnalysisConfig settings(Experiment exp, FittedPredictor predictor, Path file) {
        if (predictor.analysis() == null || predictor.analysisHash() == null) {
            throw new BadInputException(file, "records no analysis settings (written by an older version)", "re-run 'unetscope analyze' to refit it");
        }
        String hash = SettingsHash.of(predictor.analysis());
        if (!hash.equals(predictor.analysisHash())) {
            throw new BadInputException(file, "its analysis settings do not match their recorded hash " + predictor.analysisHash(), "re-run 'unetscope analyze'");
        }
        AnalysisConfig recorded = AnalyzeService.recorded(exp);
        if (recorded == null || !SettingsHash.of(recorded).equals(hash)) {
            String what = recorded == null ? "the experiment records none" : String.join("; ", SettingsHash.differences(predictor.analysis(), recorded));
            throw new BadInputException(file, "was fitted with other analysis settings than the experiment now records (" + what + ")",
                    "re-run 'unetscope analyze' so the predictor and the scores match");
        }
        return predictor.analysis();
    }
}
