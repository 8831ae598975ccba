package dev.unetscope.report;

import dev.unetscope.cli.Main;
import dev.unetscope.train.TinyExperiment;
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
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The report opens in a real browser (Debian's Chromium, headless, no network): not blank, every image loaded, no script error. */
class ReportBrowserTest {
    @TempDir
    Path tmp;

    static final List<String> CHROMIUM = List.of("/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic", "--allow-file-access-from-files",
            "--virtual-time-budget=10000");

    static String run(Path tmp, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(CHROMIUM);
        cmd.add("--user-data-dir=" + Files.createTempDirectory(tmp, "chromium-profile"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(tmp.resolve("chromium.err").toFile()).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    @Test
    void reportOpensInHeadlessChromiumWithEveryImageAndNoScriptError() throws Exception {
        assertThat(Path.of("/usr/bin/chromium")).as("Debian's chromium (bin/test installs it)").exists();
        Path ex = tmp.resolve("e");
        TinyExperiment.create(ex, 8);
        TinyExperiment.trainTiny(ex, "dice,bce", 4, 2);
        assertThat(Main.execute("evaluate", "--experiment", ex.toString())).isZero();
        assertThat(Main.execute("analyze", "--experiment", ex.toString(), "--samples-per-case", "400", "--mixture-k", "1,2", "--resamples", "200")).isZero();
        Path stale = ex.resolve("report/figures/strip_dice_999_test.png"); // an earlier report's strip of a checkpoint not drawn now
        Files.createDirectories(stale.getParent());
        Files.write(stale, new byte[] {(byte) 0x89, 'P', 'N', 'G'});
        assertThat(Main.execute("report", "--experiment", ex.toString(), "--strips", "2")).isZero();
        Path index = ex.resolve("report/index.html");
        String url = index.toUri().toString();
        assertThat(stale).as("a figure this report did not draw is removed").doesNotExist();
        String page = Files.readString(index);
        try (var figs = Files.list(ex.resolve("report/figures"))) {
            List<String> names = figs.map(f -> f.getFileName().toString()).toList();
            assertThat(names).isNotEmpty();
            for (String n : names) assertThat(page).as("figures/" + n + " is used by the page").contains("figures/" + n);
        }

        String dom = run(tmp, "--dump-dom", url);
        Matcher images = Pattern.compile("data-images=\"(\\d+)\"").matcher(dom);
        assertThat(images.find()).as("the page's load handler ran").isTrue();
        assertThat(Integer.parseInt(images.group(1))).isGreaterThan(10);
        assertThat(dom).contains("data-images-broken=\"0\"").contains("data-js-errors=\"0\"");
        assertThat(Files.readString(tmp.resolve("chromium.err"))).doesNotContain("Uncaught");
        assertThat(dom).contains("Pearson r").contains("strip-choice");

        // the strip chooser offers every chosen case (in both case lists), every layer, and a strip for each checkpoint and case
        String html = Files.readString(index);
        CaseChoice choice = CaseChoice.choose(dev.unetscope.experiment.Experiment.open(ex), CaseChoice.DEFAULT_PER_SET);
        assertThat(choice.cases()).hasSizeGreaterThanOrEqualTo(2); // worst to best of the few test cases
        Matcher stepOptions = Pattern.compile("<option value=\"(" + choice.run() + ":\\d+)\"[^>]*>" + choice.run() + " step").matcher(html);
        List<String> steps = new ArrayList<>();
        while (stepOptions.find()) steps.add(stepOptions.group(1));
        assertThat(steps).hasSize(2).contains(choice.run() + ":" + choice.step());
        for (CaseChoice.Case c : choice.cases()) {
            String v = c.query() + "|" + c.id();
            assertThat(html.split(Pattern.quote("<option value=\"" + v + "\""), -1).length - 1).as("options for " + v).isEqualTo(2);
            for (String st : steps) {
                Matcher f = Pattern.compile(Pattern.quote("\"" + st + "|" + v + "\":{\"f\":\"") + "([^\"]+)\"").matcher(html);
                assertThat(f.find()).as("strip of " + v + " at step " + st).isTrue();
                assertThat(ex.resolve("report").resolve(f.group(1))).isRegularFile();
            }
        }
        Set<String> layers = new java.util.LinkedHashSet<>();
        for (var r : dev.unetscope.experiment.CsvTable.read(ex.resolve("results/layers.csv")).records()) layers.add(r.get("layer"));
        String layerSelect = html.substring(html.indexOf("id=\"strip-layer\""), html.indexOf("</select>", html.indexOf("id=\"strip-layer\"")));
        Matcher lo = Pattern.compile(">([^<]+)</option>").matcher(layerSelect);
        List<String> offered = new ArrayList<>();
        while (lo.find()) offered.add(lo.group(1));
        assertThat(offered).containsExactlyElementsOf(layers);
        assertThat(dom).contains("id=\"strip-a\" alt=\"feature strip\" src=\"figures/strip_");

        // the chooser in use: a copy of the page whose last script picks the other checkpoint, the last case and the first layer
        // as a reader would (the select's value, then its change handler); the left strip and its enlarged layer must follow
        CaseChoice.Case last = choice.cases().get(choice.cases().size() - 1);
        String other = steps.stream().filter(st -> !st.equals(choice.run() + ":" + choice.step())).findFirst().orElseThrow();
        String pick = "<script>document.getElementById('strip-choice').value='" + other + "';"
                + "document.getElementById('strip-case-a').value='" + last.query() + "|" + last.id() + "';"
                + "document.getElementById('strip-layer').value='1';"
                + "document.getElementById('strip-layer').dispatchEvent(new Event('change'));</script></body>";
        Path switched = ex.resolve("report/index-switched.html");
        Files.writeString(switched, html.replace("</body>", pick));
        String after = run(tmp, "--dump-dom", switched.toUri().toString());
        Matcher f = Pattern.compile(Pattern.quote("\"" + other + "|" + last.query() + "|" + last.id() + "\":{\"f\":\"") + "([^\"]+)\"[^}]*\"x\":\\[(\\d+),(\\d+)")
                .matcher(html);
        assertThat(f.find()).isTrue();
        assertThat(after).contains("id=\"strip-a\" alt=\"feature strip\" src=\"" + f.group(1) + "\"")
                .contains("background-position: -" + (2 * Integer.parseInt(f.group(3))) + "px 0px")
                .contains("data-js-errors=\"0\"");

        Path shot = tmp.resolve("shot.png");
        run(tmp, "--screenshot=" + shot, "--window-size=1400,1800", url);
        BufferedImage img = ImageIO.read(shot.toFile());
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 3) for (int x = 0; x < img.getWidth(); x += 3) colours.add(img.getRGB(x, y));
        assertThat(colours.size()).as("distinct colours in the screenshot").isGreaterThan(200);
    }

    @Test
    void reportOnAnExperimentWithoutAnalysisSaysWhatIsMissing() throws Exception {
        Path ex = tmp.resolve("e");
        TinyExperiment.create(ex, 6);
        assertThat(Main.execute("report", "--experiment", ex.toString())).isZero();
        String html = Files.readString(ex.resolve("report/index.html"));
        assertThat(html).contains("Missing from this experiment").contains("results/checkpoints.csv").contains("unetscope train");
    }
}
