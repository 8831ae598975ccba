package dev.unetscope.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unetscope.cli.Main;
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
import java.util.Set;
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
        assertThat(manifest.path("checkpoints")).hasSize(2);
        try (Stream<Path> s = Files.list(vols)) {
            assertThat(s.filter(f -> f.toString().endsWith(".nii.gz")).count()).as("nii.gz volumes")
                    // per checkpoint (2 runs' final) and case pair: outline + 2 per layer (3 taps of the 8-16-32 net... at least 3); plus images
                    .isGreaterThan(2L * cases.size() * 4);
        }
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
