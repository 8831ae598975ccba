package dev.unetscope.data;

import dev.unetscope.data.phantom.PhantomCase;
import dev.unetscope.data.phantom.PhantomConfig;
import dev.unetscope.data.phantom.PhantomGenerator;
import dev.unetscope.data.phantom.PhantomStats;
import dev.unetscope.data.phantom.Shift;
import dev.unetscope.volume.Volume;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.File;
import java.util.Arrays;
import java.util.List;

/**
 * Throwaway visual check (a test-scope main, not a test): renders the axial slice with the most
 * gland of a few cases, neutral and under each preset side by side (rows = cases, columns =
 * presets, then a neutral sagittal and coronal slice through the gland centre), grey image with
 * the mask contour in red, anterior up. Writes {@code /tmp/phantom-preview.png} or args[0].
 *
 * <pre>mvn -q test-compile && java -Djava.awt.headless=true -cp target/classes:target/test-classes dev.unetscope.data.PhantomPreview [out.png] [cases] [seed]</pre>
 */
public final class PhantomPreview {
    static final int ZOOM = 4;

    public static void main(String[] args) throws Exception {
        String out = args.length > 0 ? args[0] : "/tmp/phantom-preview.png";
        int cases = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 7;
        PhantomGenerator gen = new PhantomGenerator(PhantomConfig.demo());
        List<String> presets = Shift.presetNames();
        PhantomCase probe = gen.generate(seed, 0);
        int nx = probe.image().nx(), ny = probe.image().ny(), nz = probe.image().nz();
        double aspect = probe.image().spacing()[2] / probe.image().spacing()[1];
        int tileW = nx * ZOOM, tileH = ny * ZOOM;
        int sagH = (int) Math.round(nz * aspect * ZOOM);
        int cols = presets.size() + 2;
        BufferedImage canvas = new BufferedImage(cols * (tileW + 4), cases * (Math.max(tileH, sagH) + 18), BufferedImage.TYPE_INT_RGB);
        Graphics2D gfx = canvas.createGraphics();
        for (int c = 0; c < cases; c++) {
            PhantomCase neutral = gen.generate(seed, c);
            int z = bestSlice(neutral.mask());
            int oy = c * (Math.max(tileH, sagH) + 18);
            for (int p = 0; p < presets.size(); p++) {
                Shift s = Shift.preset(presets.get(p));
                PhantomCase pc = gen.generate(seed, c, s);
                BufferedImage t = axial(pc.image(), pc.mask(), z);
                gfx.drawImage(t, p * (tileW + 4), oy + 14, null);
                gfx.setColor(Color.YELLOW);
                gfx.drawString(presets.get(p) + (c == 0 ? "" : ""), p * (tileW + 4) + 2, oy + 11);
                if (p == 0) {
                    gfx.drawString(String.format("%s z=%d frac=%.2f%% cnr=%.2f", pc.name(), z,
                            100 * PhantomStats.glandFraction(pc.mask()), PhantomStats.glandCnr(pc.image(), pc.mask())), 2, oy + 14 + tileH - 4);
                }
            }
            int[] cen = centroid(neutral.mask());
            gfx.drawImage(sagittal(neutral.image(), neutral.mask(), cen[0], aspect), presets.size() * (tileW + 4), oy + 14, null);
            gfx.drawImage(coronal(neutral.image(), neutral.mask(), cen[1], aspect), (presets.size() + 1) * (tileW + 4), oy + 14, null);
            gfx.setColor(Color.YELLOW);
            gfx.drawString("sagittal (ant right)", presets.size() * (tileW + 4) + 2, oy + 11);
            gfx.drawString("coronal", (presets.size() + 1) * (tileW + 4) + 2, oy + 11);
        }
        gfx.dispose();
        ImageIO.write(canvas, "png", new File(out));
        System.out.println("wrote " + out);
    }

    static int bestSlice(Volume m) {
        int best = 0; long bestN = -1;
        for (int z = 0; z < m.nz(); z++) {
            long k = 0;
            for (int y = 0; y < m.ny(); y++) for (int x = 0; x < m.nx(); x++) if (m.get(x, y, z) > 0.5f) k++;
            if (k > bestN) { bestN = k; best = z; }
        }
        return best;
    }

    static int[] centroid(Volume m) {
        double sx = 0, sy = 0, sz = 0; long k = 0;
        for (int z = 0; z < m.nz(); z++) for (int y = 0; y < m.ny(); y++) for (int x = 0; x < m.nx(); x++)
            if (m.get(x, y, z) > 0.5f) { sx += x; sy += y; sz += z; k++; }
        return new int[] {(int) Math.round(sx / k), (int) Math.round(sy / k), (int) Math.round(sz / k)};
    }

    interface Sampler { float at(int u, int v); }

    /** Grey window from the 1st to the 99.5th percentile of the slice; red where the mask edge is. */
    static BufferedImage render(int w, int h, Sampler img, Sampler mask, double zoomU, double zoomV) {
        float[] vals = new float[w * h];
        for (int v = 0; v < h; v++) for (int u = 0; u < w; u++) vals[u + w * v] = img.at(u, v);
        float[] sorted = vals.clone();
        Arrays.sort(sorted);
        double lo = sorted[(int) (0.01 * (sorted.length - 1))], hi = sorted[(int) (0.995 * (sorted.length - 1))];
        int W = (int) Math.round(w * zoomU), H = (int) Math.round(h * zoomV);
        BufferedImage b = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        for (int Y = 0; Y < H; Y++) for (int X = 0; X < W; X++) {
            int u = Math.min(w - 1, (int) (X / zoomU)), v = Math.min(h - 1, (int) (Y / zoomV));
            int gv = (int) Math.max(0, Math.min(255, 255 * (vals[u + w * v] - lo) / (hi - lo)));
            boolean in = mask.at(u, v) > 0.5f;
            boolean edge = false;
            if (in) {
                int u2 = Math.min(w - 1, (int) ((X + 1) / zoomU)), u0 = Math.max(0, (int) ((X - 1) / zoomU));
                int v2 = Math.min(h - 1, (int) ((Y + 1) / zoomV)), v0 = Math.max(0, (int) ((Y - 1) / zoomV));
                edge = mask.at(u2, v) <= 0.5f || mask.at(u0, v) <= 0.5f || mask.at(u, v2) <= 0.5f || mask.at(u, v0) <= 0.5f;
            }
            b.setRGB(X, Y, edge ? 0xFF2020 : (gv << 16) | (gv << 8) | gv);
        }
        return b;
    }

    /** Axial: x to the right, anterior (+y) up. */
    static BufferedImage axial(Volume im, Volume m, int z) {
        int nx = im.nx(), ny = im.ny();
        return render(nx, ny, (u, v) -> im.get(u, ny - 1 - v, z), (u, v) -> m.get(u, ny - 1 - v, z), ZOOM, ZOOM);
    }

    /** Sagittal: anterior (+y) to the right, superior (+z) up. */
    static BufferedImage sagittal(Volume im, Volume m, int x, double aspect) {
        int ny = im.ny(), nz = im.nz();
        return render(ny, nz, (u, v) -> im.get(x, u, nz - 1 - v), (u, v) -> m.get(x, u, nz - 1 - v), ZOOM, ZOOM * aspect);
    }

    /** Coronal: x to the right, superior up. */
    static BufferedImage coronal(Volume im, Volume m, int y, double aspect) {
        int nx = im.nx(), nz = im.nz();
        return render(nx, nz, (u, v) -> im.get(u, y, nz - 1 - v), (u, v) -> m.get(u, y, nz - 1 - v), ZOOM, ZOOM * aspect);
    }
}
