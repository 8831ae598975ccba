package dev.unetscope.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.unetscope.data.ExperimentData;
import dev.unetscope.data.PreparedSet;
import dev.unetscope.data.Preprocessing;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.experiment.ResultFiles;
import dev.unetscope.features.FeatureExtractor;
import dev.unetscope.features.FeatureSample;
import dev.unetscope.features.ReceptiveFieldSampler;
import dev.unetscope.io.AtomicFile;
import dev.unetscope.metrics.AnalysisConfig;
import dev.unetscope.metrics.FeatureMatrix;
import dev.unetscope.model.SegmentationNetwork;
import dev.unetscope.train.CheckpointRef;
import dev.unetscope.train.CheckpointStore;
import dev.unetscope.volume.DataType;
import dev.unetscope.volume.NiftiWriter;
import dev.unetscope.volume.Volume;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * The report's interactive viewer, {@code report/viewer.html}: NiiVue (a WebGL2 NIfTI viewer, bundled at
 * build time from the npm registry and copied into {@code report/viewer/}) shows a chosen case in three
 * planes and a 3D render, with the ground truth (green) and the prediction (magenta) as outlines, and as
 * an overlay with an opacity slider each layer's feature PCA as RGB or its k-means cluster map (the
 * strips' projection and clusters, {@link FeatureStrip#fit}), upsampled to the scan's grid by nearest
 * neighbour so the layer's resolution stays visible. The in-distribution case (test split) and the same
 * patient under the chosen shift stand side by side with linked cursors. Cases: {@link CaseChoice} (the same cases the strips show);
 * checkpoints: {@link ViewerCheckpoints}. What does not depend on the checkpoint (the scan, the ground truth) is written once per
 * scan, per checkpoint only the prediction and the overlays. The page reads volumes from scripts ({@code .js}, gzipped NIfTI in
 * base64), because browsers refuse {@code fetch()} of {@code file://} URLs while they do run scripts from there; only the scan, the
 * ground truth and the prediction are also written as {@code .nii.gz} (label maps 0/1), for ITK-SNAP or 3D Slicer; the overlays
 * (RGBA, the bulk) only as scripts.
 */
public final class Viewer {
    public static final int DEFAULT_CASES = CaseChoice.DEFAULT_PER_SET;
    static final String REFERENCE = "test";
    static final int CLUSTERS = 6;
    static final int TRUTH = 0x28DC50FF, PREDICTION = 0xFF3CDCFF;

    /**
     * What was written: the page (null with the one-line reason when it was not), the cases it shows
     * ({@code query/case}), the volumes' count and bytes (.nii.gz and .js together), the checkpoints drawn and how many
     * the default's byte budget left out.
     */
    public record Written(Path page, String reason, Set<String> shown, int volumes, long bytes, List<String> problems, int checkpoints, int leftOut) {
        Written(Path page, String reason, Set<String> shown, int volumes, long bytes, List<String> problems) {
            this(page, reason, shown, volumes, bytes, List.copyOf(problems), 0, 0);
        }

        public boolean ok() {
            return page != null;
        }

        /** The viewer's address opened on one case, relative to report/index.html. */
        public static String link(String query, String caseId) {
            return "viewer.html#set=" + query + "&case=" + caseId;
        }
    }

    private final Experiment exp;
    private final Path reportDir;
    private final AnalysisConfig sampling;
    private final ObjectMapper json = new ObjectMapper();
    private final List<String> problems = new ArrayList<>();
    private int volumes;
    private long bytes, checkpointBytes;

    public Viewer(Experiment exp, Path reportDir, AnalysisConfig sampling) {
        this.exp = exp;
        this.reportDir = reportDir;
        this.sampling = sampling;
    }

    /** The NiiVue bundle this build carries, or null; {@link #libraryMissing()} says why. */
    static byte[] library() {
        String override = System.getProperty("unetscope.viewer.bundle");
        try {
            if (override != null) return Files.isRegularFile(Path.of(override)) ? Files.readAllBytes(Path.of(override)) : null;
            try (InputStream in = Viewer.class.getResourceAsStream("viewer/niivue.js")) {
                return in == null ? null : in.readAllBytes();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String libraryMissing() {
        String override = System.getProperty("unetscope.viewer.bundle");
        if (override != null) return "the viewer's library " + override + " is missing";
        String why = resource("viewer/niivue-missing.txt");
        return why != null ? why.strip() : "the viewer's library is not in this build (rebuild with node and npm installed: mvn package)";
    }

    private static String resource(String name) {
        try (InputStream in = Viewer.class.getResourceAsStream(name)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes report/viewer.html and report/viewer/ for the default checkpoints ({@link ViewerCheckpoints#DEFAULT}). */
    public Written write(int casesPerSet) throws IOException {
        return write(casesPerSet, ViewerCheckpoints.resolve(exp, ViewerCheckpoints.DEFAULT));
    }

    /** Writes report/viewer.html and report/viewer/ (replacing what an earlier report wrote there), or says in one line why not. */
    public Written write(int casesPerSet, ViewerCheckpoints which) throws IOException {
        Path folder = reportDir.resolve("viewer");
        Path page = reportDir.resolve("viewer.html");
        Path staging = reportDir.resolve(".viewer-new");
        deleteTree(staging); // what a killed report left
        byte[] lib = library();
        String reason = null;
        Path cases = exp.resultsDir().resolve(ResultFiles.CASES_CSV);
        List<CheckpointStore.Manifest> runs = CheckpointStore.all(exp);
        if (casesPerSet <= 0) reason = "no viewer (--viewer-cases 0)";
        else if (lib == null) reason = libraryMissing();
        else if (runs.isEmpty() || which.planned().isEmpty()) reason = "no viewer: no checkpoints (run 'unetscope train')";
        else if (!Files.isRegularFile(cases)) reason = "no viewer: no IoU per case to choose the cases by (run 'unetscope evaluate')";
        CaseChoice chosen = reason == null ? CaseChoice.choose(exp, casesPerSet) : null;
        if (reason == null && chosen.cases().isEmpty()) reason = "no viewer: results/cases.csv has no finite IoU to choose cases by";
        if (reason != null) {
            deleteTree(folder);
            Files.deleteIfExists(page);
            return new Written(null, reason, Set.of(), 0, 0, List.of());
        }

        Files.createDirectories(staging.resolve("volumes"));
        Files.write(staging.resolve("niivue.js"), lib);
        String version = resource("viewer/niivue-version.txt");
        Files.writeString(staging.resolve("viewer.js"), resource("viewer/viewer.js"));

        Map<String, ExperimentData.Query> queries = ExperimentData.queries(exp);
        // what each checkpoint draws: the chosen cases and, for a shifted set, the same patient in the test split
        LinkedHashSet<List<String>> pairs = new LinkedHashSet<>();
        for (CaseChoice.Case c : chosen.cases()) {
            if (!queries.containsKey(c.query())) continue;
            if (queries.containsKey(REFERENCE)) pairs.add(List.of(REFERENCE, c.id()));
            pairs.add(List.of(c.query(), c.id()));
        }
        ReceptiveFieldSampler sampler = new ReceptiveFieldSampler(sampling.sampleSeed(), sampling.samplesPerCase(), ReceptiveFieldSampler.Mode.UNIFORM);
        List<Preprocessing> preps = new ArrayList<>();
        Map<Preprocessing, Map<String, PreparedSet>> sets = new LinkedHashMap<>();
        Map<Preprocessing, PreparedSet> trains = new HashMap<>();
        dev.unetscope.data.SetBudget budget = dev.unetscope.data.SetBudget.ofDefault();
        Map<String, Scan> scans = new HashMap<>();
        Set<String> scansWritten = new HashSet<>();
        ObjectNode manifest = json.createObjectNode();
        manifest.put("reference", REFERENCE).put("library", version == null ? "NiiVue" : version.strip())
                .put("chosenBy", "cases ranked by the IoU of " + chosen.run() + " step " + chosen.step()
                        + " (the final checkpoint of the run with the highest mean IoU over the labelled sets; the same cases the feature strips show); " + casesPerSet + " per query set at evenly spaced ranks: worst, median, best");
        manifest.put("defaultCheckpoint", safe(chosen.run() + "_" + chosen.step()));
        List<CheckpointRef> drawn = new ArrayList<>();
        Map<String, ObjectNode> drawnNodes = new LinkedHashMap<>();
        ObjectNode files = json.createObjectNode();
        List<CheckpointRef> plan = which.planned();
        int skipped = 0;
        long largest = 0; // the most bytes one checkpoint's own volumes took so far: the estimate for the next
        for (int k = 0; k < plan.size(); k++) {
            CheckpointRef ref = plan.get(k);
            if (k >= which.always().size() && bytes + largest > ViewerCheckpoints.BUDGET_BYTES) {
                skipped++;
                continue;
            }
            CheckpointStore.Manifest m = ref.manifest();
            String ck = safe(m.run() + "_" + ref.entry().step());
            long before = checkpointBytes;
            try (SegmentationNetwork net = ref.open()) {
                Preprocessing p = ref.preprocessing(exp);
                if (!preps.contains(p)) preps.add(p);
                int pi = preps.indexOf(p);
                Map<String, PreparedSet> mine = sets.computeIfAbsent(p, x -> new LinkedHashMap<>());
                // the training split once per preprocessing for every checkpoint drawn (held while it fits the stage's set budget)
                PreparedSet train = trains.computeIfAbsent(p, x -> ExperimentData.split(exp, "train", x, budget));
                FeatureSample tr = FeatureExtractor.extract(net, train, sampler, net.tapNames());
                Map<String, FeatureStrip.LayerStyle> styles = FeatureStrip.fit(tr, CLUSTERS, 1);
                ObjectNode c = json.createObjectNode();
                c.put("id", ck).put("run", m.run()).put("step", ref.entry().step()).put("label", m.run() + " step " + ref.entry().step());
                ArrayNode layers = c.putArray("layers");
                for (SegmentationNetwork.Tap t : net.taps()) {
                    layers.addObject().put("name", t.name()).put("stride", t.sd() == t.sh() && t.sh() == t.sw() ? Integer.toString(t.sd()) : t.sd() + "x" + t.sh() + "x" + t.sw());
                }
                ObjectNode ckFiles = json.createObjectNode();
                for (List<String> pair : pairs) {
                    PreparedSet set = mine.computeIfAbsent(pair.get(0), q -> ExperimentData.query(exp, queries.get(q), true, p));
                    int idx = set.ids().indexOf(pair.get(1));
                    if (idx < 0) continue;
                    String base = safe(pair.get(0)) + "_" + safe(pair.get(1));
                    String scan = "p" + pi + "_" + base;
                    // a streamed set reads and prepares the case again on each get: once per scan, for every checkpoint
                    Scan sc = scans.computeIfAbsent(scan, x -> new Scan(set.images().get(idx), set.channel(idx, 0), set.dims(idx),
                            set.labelled() ? set.masks().get(idx) : null));
                    float[] img = sc.image(); // every input channel, for the network
                    float[] shown = sc.shown(); // the viewer shows input channel 0
                    int[] dims = sc.dims();
                    double[] spacing = p.targetSpacing() != null ? p.targetSpacing() : new double[] {1, 1, 1};
                    Volume grid = new Volume(dims[2], dims[1], dims[0], shown, spacing, Volume.diagonalAffine(spacing));
                    float[] mask = sc.mask();
                    if (scansWritten.add(scan)) writeScan(staging, scan, grid, shown, mask);
                    drawCheckpoint(staging, ck + "_" + base, net, styles, grid, img);
                    ObjectNode f = (ckFiles.has(pair.get(0)) ? (ObjectNode) ckFiles.get(pair.get(0)) : ckFiles.putObject(pair.get(0))).putObject(pair.get(1));
                    f.put("scan", scan).put("truth", mask != null).put("volumes", ck + "_" + base).set("focus", json.valueToTree(centre(mask, dims)));
                }
                drawn.add(ref);
                drawnNodes.put(ck, c);
                files.set(ck, ckFiles);
            } catch (RuntimeException ex) {
                // a checkpoint that cannot be drawn (NaN features, a file changed since import) loses its views, not the report
                problems.add("viewer: " + m.run() + " step " + ref.entry().step() + ": " + ex.getMessage());
            }
            largest = Math.max(largest, checkpointBytes - before);
        }
        if (drawn.isEmpty()) {
            deleteTree(staging);
            deleteTree(folder);
            Files.deleteIfExists(page);
            return new Written(null, "no viewer: no checkpoint could be drawn (" + String.join("; ", problems) + ")", Set.of(), 0, 0, List.copyOf(problems));
        }
        // the chooser lists runs in the experiment's order and each run's steps in order, whatever order they were drawn in
        ArrayNode cks = manifest.putArray("checkpoints");
        drawn.stream().sorted(Comparator.comparing((CheckpointRef r) -> runs.stream().map(CheckpointStore.Manifest::run).toList().indexOf(r.manifest().run()))
                        .thenComparingInt(r -> r.entry().step()))
                .forEach(r -> cks.add(drawnNodes.get(safe(r.manifest().run() + "_" + r.entry().step()))));
        for (CheckpointRef r : drawn) {
            List<CheckpointStore.Entry> all = r.manifest().checkpoints();
            if (all.get(all.size() - 1).step() == r.entry().step()) drawnNodes.get(safe(r.manifest().run() + "_" + r.entry().step())).put("final", true);
        }
        manifest.set("files", files);
        manifest.put("checkpointsBy", which.spec().equals(ViewerCheckpoints.DEFAULT)
                ? "each run's final checkpoint, then points along each run (first, middle) while the volumes stay within "
                        + ViewerCheckpoints.BUDGET_BYTES / 1_000_000 + " MB" + (skipped > 0 ? " (" + skipped + " left out by that budget)" : "")
                : "--viewer-checkpoints " + which.spec());
        ArrayNode setList = manifest.putArray("sets");
        Map<String, ArrayNode> bySet = new LinkedHashMap<>();
        Set<String> shown = new LinkedHashSet<>();
        for (CaseChoice.Case c : chosen.cases()) {
            if (!queries.containsKey(c.query())) continue;
            ArrayNode list = bySet.computeIfAbsent(c.query(), q -> {
                ObjectNode s = setList.addObject();
                s.put("name", q);
                return s.putArray("cases");
            });
            ObjectNode o = list.addObject().put("id", c.id()).put("rank", c.role());
            if (Double.isFinite(c.iou())) o.put("iou", c.iou());
            else o.putNull("iou"); // JSON has no NaN (a diverged checkpoint's IoU)
            shown.add(c.query() + "/" + c.id());
        }
        deleteTree(folder);
        Files.move(staging, folder);
        AtomicFile.writeString(page, page(manifest));
        return new Written(page, null, shown, volumes, bytes, List.copyOf(problems), drawn.size(), skipped);
    }

    /** One prepared scan the viewer draws: every channel, channel 0 as shown, its dims and its mask (null: unlabelled). */
    private record Scan(float[] image, float[] shown, int[] dims, float[] mask) {}

    /**
     * What does not depend on the checkpoint, once per scan: the scan and the ground truth as label map (0/1), each as
     * {@code .nii.gz} to open in ITK-SNAP or 3D Slicer, and for the page one script with the scan and the truth's outline.
     */
    private void writeScan(Path dir, String scan, Volume grid, float[] img, float[] mask) throws IOException {
        byte[] image = NiftiWriter.encode(grid.withData(window(img)), DataType.UINT8);
        Map<String, byte[]> forPage = new LinkedHashMap<>();
        forPage.put(scan + "_image", image);
        writeFile(dir, scan + "_image", image, false);
        if (mask != null) {
            writeFile(dir, scan + "_truth", NiftiWriter.encode(grid.withData(binary(mask)), DataType.UINT8), false);
            forPage.put(scan + "_truth", NiftiWriter.encodeRgba(grid, outline(mask, grid, TRUTH)));
        }
        script(dir, scan, forPage, false);
    }

    /**
     * What one checkpoint draws of one scan: the prediction as label map ({@code .nii.gz}, for ITK-SNAP) and, for the page
     * only (one script), the prediction's outline and per layer the PCA colours and the cluster map as RGBA.
     */
    private void drawCheckpoint(Path dir, String name, SegmentationNetwork net, Map<String, FeatureStrip.LayerStyle> styles, Volume grid, float[] img) throws IOException {
        SegmentationNetwork.Inference inf = net.infer(img, 1, grid.nz(), grid.ny(), grid.nx(), Set.copyOf(net.tapNames()));
        writeFile(dir, name + "_prediction", NiftiWriter.encode(grid.withData(binary(inf.probabilities())), DataType.UINT8), true);
        script(dir, name, draw(net, styles, grid, inf, name), true);
    }

    static float[] binary(float[] m) {
        float[] out = new float[m.length];
        for (int i = 0; i < m.length; i++) out[i] = m[i] >= 0.5f ? 1 : 0;
        return out;
    }

    static int[] outline(float[] m, Volume grid, int colour) {
        int[] out = new int[grid.size()];
        for (int i = 0; i < out.length; i++) out[i] = boundary(m, i, grid.nx(), grid.ny(), grid.nz()) ? colour : 0;
        return out;
    }

    /** The prediction's outline and, per layer, the PCA colours and the cluster map of one case under one checkpoint, each as RGBA NIfTI. */
    private Map<String, byte[]> draw(SegmentationNetwork net, Map<String, FeatureStrip.LayerStyle> styles, Volume grid, SegmentationNetwork.Inference inf, String base) {
        int w = grid.nx(), h = grid.ny(), d = grid.nz();
        Map<String, byte[]> out = new LinkedHashMap<>();
        out.put(base + "_prediction", NiftiWriter.encodeRgba(grid, outline(inf.probabilities(), grid, PREDICTION)));
        for (SegmentationNetwork.Tap t : net.taps()) {
            SegmentationNetwork.TapFeatures f = inf.taps().get(t.name());
            FeatureStrip.LayerStyle st = styles.get(t.name());
            int ch = f.channels(), cells = f.d() * f.h() * f.w();
            float[] z = new float[cells * ch];
            for (int cell = 0; cell < cells; cell++) {
                for (int k = 0; k < ch; k++) {
                    z[cell * ch + k] = (float) ((f.data()[k * cells + cell] - st.standardizer().mean()[k]) / st.standardizer().scale()[k]);
                }
            }
            int[] labels = st.clusters().predict(new FeatureMatrix(z, cells, ch));
            // each layer voxel's two colours once; the voxels it covers (8^3 of them at stride 8) copy them
            int[] cellPca = new int[cells], cellKm = new int[cells];
            for (int cell = 0; cell < cells; cell++) {
                cellPca[cell] = (fourBits(st.pca().rgb(z, cell * ch)) << 8) | 0xFF;
                cellKm[cell] = (FeatureStrip.PALETTE[labels[cell] % FeatureStrip.PALETTE.length] << 8) | 0xFF;
            }
            int[] pca = new int[grid.size()], km = new int[grid.size()];
            // nearest: every voxel takes the layer voxel that contains it, so a stride-8 layer shows as 8-voxel blocks
            int[] cellX = new int[w];
            for (int x = 0; x < w; x++) cellX[x] = Math.min(x / t.sw(), f.w() - 1);
            for (int zz = 0; zz < d; zz++) {
                for (int y = 0; y < h; y++) {
                    int row = (Math.min(zz / t.sd(), f.d() - 1) * f.h() + Math.min(y / t.sh(), f.h() - 1)) * f.w();
                    int i = (zz * h + y) * w;
                    for (int x = 0; x < w; x++, i++) {
                        pca[i] = cellPca[row + cellX[x]];
                        km[i] = cellKm[row + cellX[x]];
                    }
                }
            }
            out.put(base + "_" + safe(t.name()) + "_pca", NiftiWriter.encodeRgba(grid, pca));
            out.put(base + "_" + safe(t.name()) + "_clusters", NiftiWriter.encodeRgba(grid, km));
        }
        return out;
    }

    /**
     * An RGB colour at 4 bits per channel (each channel's high nibble repeated, so 0xF stays 0xFF), as the strips draw theirs:
     * 16 levels per principal component are more than the eye tells apart in an overlay, and the gzipped volumes get about a
     * third smaller (45 to 31 KB for the full demo's first encoder unit on one scan).
     */
    static int fourBits(int rgb) {
        int high = rgb & 0xF0F0F0;
        return high | (high >> 4);
    }

    /**
     * The scan as the viewer shows it: the 0.5th to 99.5th percentile mapped to 0..255 (uint8, a quarter of float32's bytes; the
     * prepared float image is what the network saw, its grey levels are for the eye only).
     */
    static float[] window(float[] img) {
        float lo = FeatureStrip.percentile(img, 0.005), hi = FeatureStrip.percentile(img, 0.995);
        float[] out = new float[img.length];
        for (int i = 0; i < img.length; i++) out[i] = Math.round(255 * Math.max(0, Math.min(1, (img[i] - lo) / (hi - lo + 1e-6f))));
        return out;
    }

    /** Where the cursor starts, as fractions of the grid (x, y, z): the centre of the mask's voxels, or the grid's centre without one. */
    static double[] centre(float[] mask, int[] dims) {
        int d = dims[0], h = dims[1], w = dims[2];
        double sx = 0, sy = 0, sz = 0, n = 0;
        if (mask != null) {
            for (int i = 0; i < mask.length; i++) {
                if (mask[i] < 0.5f) continue;
                sx += i % w;
                sy += (i / w) % h;
                sz += i / (w * h);
                n++;
            }
        }
        if (n == 0) return new double[] {0.5, 0.5, 0.5};
        return new double[] {(sx / n + 0.5) / w, (sy / n + 0.5) / h, (sz / n + 0.5) / d};
    }

    /** Voxel i is inside ({@code >= 0.5}) and one of its six neighbours is outside or beyond the grid. */
    static boolean boundary(float[] m, int i, int w, int h, int d) {
        if (m[i] < 0.5f) return false;
        int x = i % w, y = (i / w) % h, z = i / (w * h);
        return x == 0 || x == w - 1 || y == 0 || y == h - 1 || z == 0 || z == d - 1
                || m[i - 1] < 0.5f || m[i + 1] < 0.5f || m[i - w] < 0.5f || m[i + w] < 0.5f || m[i - w * h] < 0.5f || m[i + w * h] < 0.5f;
    }

    /** One volume as NAME.nii.gz (for a viewer outside the page). */
    private void writeFile(Path dir, String name, byte[] nifti, boolean perCheckpoint) throws IOException {
        byte[] gz = gzip(nifti);
        Files.write(dir.resolve("volumes").resolve(name + ".nii.gz"), gz);
        count(gz.length, perCheckpoint);
    }

    /**
     * The page's copy: all {@code vols} in one script NAME.js that hands each volume's gzip bytes (base64) to the page, as
     * browsers refuse {@code fetch()} of file:// URLs while they do run scripts from there.
     */
    private void script(Path dir, String name, Map<String, byte[]> vols, boolean perCheckpoint) throws IOException {
        StringBuilder js = new StringBuilder("// unetscope viewer volumes: each a gzipped NIfTI-1 file, in base64\n");
        // the volumes compressed side by side on the common pool (deflate gives the same bytes on any thread), written in order
        List<Map.Entry<String, byte[]>> entries = List.copyOf(vols.entrySet());
        List<String> encoded = entries.parallelStream().map(e -> Base64.getEncoder().encodeToString(gzip(e.getValue()))).toList();
        for (int i = 0; i < entries.size(); i++) {
            js.append("unetscopeVolume(\"").append(entries.get(i).getKey()).append("\",\"").append(encoded.get(i)).append("\");\n");
            volumes++;
        }
        Path f = dir.resolve("volumes").resolve(name + ".js");
        Files.writeString(f, js);
        count(Files.size(f), perCheckpoint);
    }

    private void count(long n, boolean perCheckpoint) {
        bytes += n;
        if (perCheckpoint) checkpointBytes += n;
    }

    private static byte[] gzip(byte[] raw) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(raw.length / 4);
        try (GZIPOutputStream g = new GZIPOutputStream(b, 1 << 16)) {
            g.write(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array stream does not fail
        }
        return b.toByteArray();
    }

    private String page(ObjectNode manifest) throws IOException {
        String m = json.writeValueAsString(manifest).replace("</", "<\\/");
        String html = resource("viewer/viewer.html");
        return html.replace("/*MANIFEST*/", m);
    }

    /** A name safe in a file name and in a URL fragment. */
    static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }
}
