package dev.unetscope.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unetscope.cli.CliRun;
import dev.unetscope.cli.Main;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.train.TinyExperiment;
import dev.unetscope.volume.NiftiReader;
import dev.unetscope.volume.Volume;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The report's NiiVue viewer in a real browser: Debian's Chromium, headless, WebGL2 through its software
 * renderer (SwiftShader via ANGLE), no network. The canvas is drawn (many colours), choosing another layer
 * changes it, no script error, and every request the page makes is a file: URL (Chromium's own network log).
 */
class ViewerBrowserTest {
    /** The flags that give headless Chromium WebGL2 as root with no GPU and no network traffic of its own. */
    static final List<String> CHROMIUM = List.of("/usr/bin/chromium", "--headless", "--no-sandbox",
            "--use-gl=angle", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
            "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
            "--disable-default-apps", "--disable-extensions", "--virtual-time-budget=30000", "--window-size=1400,900");

    @TempDir
    static Path tmp;
    static Path ex;

    @BeforeAll
    static void report() {
        ex = tmp.resolve("e");
        TinyExperiment.create(ex, 14);
        TinyExperiment.trainTiny(ex, "dice,bce", 4, 2);
        assertThat(Main.execute("evaluate", "--experiment", ex.toString())).isZero();
        assertThat(Main.execute("analyze", "--experiment", ex.toString(), "--samples-per-case", "100", "--mixture-k", "1,2", "--resamples", "50")).isZero();
        assertThat(Main.execute("report", "--experiment", ex.toString(), "--strips", "1", "--viewer-cases", "2")).isZero();
    }

    /** Runs Chromium on the page with a fresh profile and a network log; returns stdout. */
    static String chromium(String name, String url, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(CHROMIUM);
        cmd.add("--user-data-dir=" + Files.createTempDirectory(tmp, "profile"));
        cmd.add("--log-net-log=" + tmp.resolve(name + ".netlog.json"));
        cmd.addAll(List.of(args));
        cmd.add(url);
        Process p = new ProcessBuilder(cmd).redirectError(tmp.resolve(name + ".err").toFile()).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("chromium finished").isTrue();
        return out;
    }

    static String url(String fragment) {
        return ex.resolve("report/viewer.html").toUri() + fragment;
    }

    @Test
    void viewerFilesOnlyForTheChosenCases() throws Exception {
        Path vols = ex.resolve("report/viewer/volumes");
        assertThat(ex.resolve("report/viewer/niivue.js")).isRegularFile();
        Set<String> cases = new TreeSet<>();
        try (Stream<Path> s = Files.list(vols)) {
            for (Path f : s.toList()) {
                Matcher m = Pattern.compile("_(phantom_\\d+)_").matcher(f.getFileName().toString());
                if (m.find()) cases.add(m.group(1));
            }
        }
        // 2 cases per set (test and noisy: the same patients, at most 4), never the whole split; the per-case table links each
        String html = Files.readString(ex.resolve("report/index.html"));
        assertThat(cases).isNotEmpty().hasSizeLessThanOrEqualTo(4);
        JsonNode manifest = manifest();
        int shown = 0;
        for (JsonNode set : manifest.path("sets")) {
            for (JsonNode c : set.path("cases")) {
                assertThat(cases).contains(c.path("id").asText());
                assertThat(html).contains("<a href=\"viewer.html#set=" + set.path("name").asText() + "&amp;case=" + c.path("id").asText() + "\">");
                shown++;
            }
        }
        assertThat(shown).isEqualTo(4);
        // the default (trajectory): each run's final and its first checkpoint (2 per run here), runs in order, steps in order
        List<String> ids = new ArrayList<>();
        for (JsonNode c : manifest.path("checkpoints")) ids.add(c.path("id").asText());
        assertThat(ids).containsExactly("bce_1", "bce_4", "dice_1", "dice_4");
        assertThat(manifest.path("checkpoints").get(1).path("final").asBoolean()).isTrue();
        assertThat(manifest.path("checkpoints").get(0).path("final").asBoolean()).isFalse();
        List<String> names;
        try (Stream<Path> s = Files.list(vols)) {
            names = s.map(f -> f.getFileName().toString()).sorted().toList();
        }
        // once per scan (whatever the checkpoint): the scan and the truth as .nii.gz, and one script for the page
        long scans = names.stream().filter(n -> n.matches("p0_[a-z]+_phantom_\\d+\\.js")).count();
        assertThat(scans).as("scan scripts").isBetween(2L, 4L);
        assertThat(names.stream().filter(n -> n.matches("p0_.*_image\\.nii\\.gz"))).hasSize((int) scans);
        assertThat(names.stream().filter(n -> n.matches("p0_.*_truth\\.nii\\.gz"))).hasSize((int) scans);
        // per checkpoint and scan: one script (prediction outline and overlays) and the prediction as .nii.gz; no overlay as .nii.gz
        for (String ck : ids) {
            assertThat(names.stream().filter(n -> n.matches(ck + "_[a-z]+_phantom_\\d+\\.js"))).as(ck + " scripts").hasSize((int) scans);
            assertThat(names.stream().filter(n -> n.matches(ck + "_[a-z]+_phantom_\\d+_prediction\\.nii\\.gz"))).hasSize((int) scans);
        }
        assertThat(names).hasSize((int) (3 * scans + 2 * ids.size() * scans));
        assertThat(names).noneMatch(n -> n.endsWith("_pca.nii.gz") || n.endsWith("_clusters.nii.gz") || n.endsWith("_outline.nii.gz"));
        String script = Files.readString(vols.resolve(names.stream().filter(n -> n.matches("dice_1_noisy_phantom_\\d+\\.js")).findFirst().orElseThrow()));
        assertThat(script).contains("_enc1_pca\",").contains("_bottleneck_clusters\",").contains("_prediction\",").doesNotContain("_image\",");
        // the truth and the prediction as label maps 0/1 on the scan's grid
        Path truth = vols.resolve(names.stream().filter(n -> n.matches("p0_noisy_phantom_\\d+_truth\\.nii\\.gz")).findFirst().orElseThrow());
        Volume t = NiftiReader.read(truth, 0).volume();
        assertThat(t.dims()).containsExactly(32, 32, 8);
        Set<Float> values = new TreeSet<>();
        for (float x : t.data()) values.add(x);
        assertThat(values).containsExactly(0f, 1f);
        // the scan as written is the prepared image on its grid (32 x 32 x 8 at 3 x 3 x 6 mm), windowed to 0..255
        Path image;
        try (Stream<Path> s = Files.list(vols)) {
            image = s.filter(f -> f.getFileName().toString().matches("p0_noisy_phantom_\\d+_image\\.nii\\.gz")).findFirst().orElseThrow();
        }
        Volume v = NiftiReader.read(image, 0).volume();
        assertThat(v.dims()).containsExactly(32, 32, 8);
        assertThat(v.spacing()).containsExactly(3.0, 3.0, 6.0);
        float max = 0;
        for (float x : v.data()) max = Math.max(max, x);
        assertThat(max).isEqualTo(255f);
    }

    @Test
    void viewerDrawsInHeadlessChromiumAndAnotherLayerChangesTheCanvas() throws Exception {
        assertThat(Path.of("/usr/bin/chromium")).as("Debian's chromium (bin/test installs it)").exists();
        String dom = chromium("dom", url("#layer=enc1&switch=bottleneck"), "--dump-dom");
        assertThat(attr(dom, "data-viewer-errors")).as("script errors").isEqualTo("0");
        assertThat(attr(dom, "data-viewer-draws")).as("views drawn: the first, then after choosing another layer").isEqualTo("2");
        assertThat(attr(dom, "data-viewer-shown")).endsWith("|bottleneck|pca").contains("|noisy|");
        assertThat(attr(dom, "data-viewer-remote")).as("resources not from the file system").isEqualTo("0");
        assertThat(Files.readString(tmp.resolve("dom.err"))).doesNotContain("Uncaught");
        onlyFileRequests("dom");

        int[] r = Stream.of(attr(dom, "data-viewer-canvas").split(",")).mapToInt(Integer::parseInt).toArray();
        chromium("first", url("#layer=enc1"), "--screenshot=" + tmp.resolve("first.png"));
        chromium("switched", url("#layer=enc1&switch=bottleneck"), "--screenshot=" + tmp.resolve("switched.png"));
        BufferedImage a = ImageIO.read(tmp.resolve("first.png").toFile()), b = ImageIO.read(tmp.resolve("switched.png").toFile());
        Set<Integer> colours = new HashSet<>();
        long differ = 0, n = 0;
        for (int y = r[1]; y < Math.min(r[1] + r[3], a.getHeight()); y += 2) {
            for (int x = r[0]; x < r[0] + r[2]; x += 2) {
                colours.add(a.getRGB(x, y));
                if (a.getRGB(x, y) != b.getRGB(x, y)) differ++;
                n++;
            }
        }
        assertThat(colours.size()).as("distinct colours on the viewer's canvas").isGreaterThan(500);
        assertThat(differ / (double) n).as("share of canvas pixels that change with the layer").isGreaterThan(0.2);
        onlyFileRequests("first");
        onlyFileRequests("switched");
    }

    @Test
    void choosingANonFinalCheckpointChangesTheCanvas() throws Exception {
        String def = manifest().path("defaultCheckpoint").asText();
        String early = def.replaceAll("_\\d+$", "_1"); // the same run's first checkpoint
        assertThat(early).isNotEqualTo(def);
        String dom = chromium("ckdom", url("#layer=enc1&switchCheckpoint=" + early), "--dump-dom");
        assertThat(attr(dom, "data-viewer-errors")).as("script errors").isEqualTo("0");
        assertThat(attr(dom, "data-viewer-draws")).as("views drawn: the final checkpoint, then the chosen earlier one").isEqualTo("2");
        assertThat(attr(dom, "data-viewer-shown")).startsWith(early + "|").endsWith("|enc1|pca");
        assertThat(attr(dom, "data-viewer-remote")).as("resources not from the file system").isEqualTo("0");
        assertThat(Files.readString(tmp.resolve("ckdom.err"))).doesNotContain("Uncaught");
        onlyFileRequests("ckdom");

        int[] r = Stream.of(attr(dom, "data-viewer-canvas").split(",")).mapToInt(Integer::parseInt).toArray();
        chromium("ckfinal", url("#layer=enc1"), "--screenshot=" + tmp.resolve("ckfinal.png"));
        chromium("ckearly", url("#layer=enc1&switchCheckpoint=" + early), "--screenshot=" + tmp.resolve("ckearly.png"));
        BufferedImage a = ImageIO.read(tmp.resolve("ckfinal.png").toFile()), b = ImageIO.read(tmp.resolve("ckearly.png").toFile());
        long differ = 0, n = 0;
        for (int y = r[1]; y < Math.min(r[1] + r[3], a.getHeight()); y += 2) {
            for (int x = r[0]; x < r[0] + r[2]; x += 2) {
                if (a.getRGB(x, y) != b.getRGB(x, y)) differ++;
                n++;
            }
        }
        System.out.printf("canvas pixels changed by choosing %s instead of %s: %.3f%n", early, def, differ / (double) n);
        assertThat(differ / (double) n).as("share of canvas pixels that change with the checkpoint").isGreaterThan(0.1);
        onlyFileRequests("ckfinal");
        onlyFileRequests("ckearly");
        String keep = System.getProperty("unetscope.viewer.screenshots");
        if (keep != null) {
            Files.createDirectories(Path.of(keep));
            Files.copy(tmp.resolve("ckearly.png"), Path.of(keep, "viewer-early-checkpoint.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.copy(tmp.resolve("ckfinal.png"), Path.of(keep, "viewer-final-checkpoint.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Test
    void aViewerSpecNamingAnUnknownRunOrStepIsRefusedInOneLineAndNothingIsWritten() throws Exception {
        Map<String, String> before = listing(ex.resolve("report"));
        for (String spec : List.of("dice:999", "nosuch:1", "dice:1,,bce:4", " ")) {
            CliRun run = CliRun.of("report", "--experiment", ex.toString(), "--viewer-checkpoints", spec);
            assertThat(run.code()).as(spec).isEqualTo(2);
            assertThat(run.oneErrorLine()).as(run.err()).isTrue();
            assertThat(listing(ex.resolve("report"))).as("the report folder after '" + spec + "'").isEqualTo(before);
        }
        assertThat(CliRun.of("report", "--experiment", ex.toString(), "--viewer-checkpoints", "dice:999").err()).contains("no checkpoint '999'").contains("its steps: 1, 4");
        assertThat(CliRun.of("report", "--experiment", ex.toString(), "--viewer-checkpoints", "nosuch:1").err()).contains("no trained run 'nosuch'");
    }

    @Test
    void theSpecsResolveToTheCheckpointsTheyName() {
        Experiment e = Experiment.open(ex);
        assertThat(ViewerCheckpoints.resolve(e, "final").planned().stream().map(c -> c.id().run() + c.id().step())).containsExactly("bce4", "dice4");
        assertThat(ViewerCheckpoints.resolve(e, "all").planned()).hasSize(4);
        assertThat(ViewerCheckpoints.resolve(e, "dice:1, bce, dice:1").planned().stream().map(c -> c.id().run() + c.id().step())).containsExactly("dice1", "bce4");
        ViewerCheckpoints t = ViewerCheckpoints.resolve(e, "trajectory");
        assertThat(t.always().stream().map(c -> c.id().run() + c.id().step())).containsExactly("bce4", "dice4");
        assertThat(t.whileBudget().stream().map(c -> c.id().run() + c.id().step())).containsExactly("bce1", "dice1");
    }

    /** Every file under a folder with its size and modification time. */
    static Map<String, String> listing(Path dir) throws Exception {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path f : s.toList()) m.put(dir.relativize(f).toString(), Files.isDirectory(f) ? "dir" : Files.size(f) + "@" + Files.getLastModifiedTime(f).toMillis());
        }
        return m;
    }

    static JsonNode manifest() throws Exception {
        Matcher m = Pattern.compile("<script type=\"application/json\" id=\"viewer-manifest\">(.*?)</script>", Pattern.DOTALL)
                .matcher(Files.readString(ex.resolve("report/viewer.html")));
        assertThat(m.find()).isTrue();
        return new ObjectMapper().readTree(m.group(1));
    }

    /**
     * No request the page made left the file system. Chromium loads file: URLs outside its network stack, so its
     * network log holds only network requests: those the page started carry the page's origin as initiator
     * ("null" for a file: page), while the browser's own background requests (clock, component updates, account
     * check, which the flags above do not all stop) carry "not an origin". So: no page-initiated request at all.
     */
    static void onlyFileRequests(String name) throws Exception {
        JsonNode log = new ObjectMapper().readTree(tmp.resolve(name + ".netlog.json").toFile());
        int start = log.path("constants").path("logEventTypes").path("URL_REQUEST_START_JOB").asInt(-1);
        assertThat(start).isPositive();
        List<String> fromPage = new ArrayList<>();
        int requests = 0;
        for (JsonNode e : log.path("events")) {
            if (e.path("type").asInt() != start || !e.path("params").has("url")) continue; // the job's end event has no url
            requests++;
            String url = e.path("params").path("url").asText();
            if (!e.path("params").path("initiator").asText().equals("not an origin") && !url.startsWith("file:")) fromPage.add(url);
        }
        assertThat(fromPage).as("network requests the page made (" + requests + " requests in " + name + ".netlog.json)").isEmpty();
    }

    static String attr(String dom, String name) {
        Matcher m = Pattern.compile(name + "=\"([^\"]*)\"").matcher(dom);
        assertThat(m.find()).as(name + " on <body>").isTrue();
        return m.group(1);
    }
}
