package dev.unetscope.report;

import dev.unetscope.data.PreparedSet;
import dev.unetscope.features.FeatureSample;
import dev.unetscope.features.LayerSample;
import dev.unetscope.features.Standardizer;
import dev.unetscope.metrics.FeatureMatrix;
import dev.unetscope.metrics.KMeans;
import dev.unetscope.metrics.KMeansModel;
import dev.unetscope.model.SegmentationNetwork;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The seed's picture of a network's interior: for one case, the axial slice with the most gland,
 * and for every tap from enc1 to the last decoder unit its feature map on that slice (upsampled to the image grid)
 * as RGB from three principal components of the training features (the same projection for every
 * case, so colours mean the same thing) and as its k-means cluster map, each laid over the image
 * with the ground-truth contour (green) and the network's prediction (magenta). Anterior is up.
 * The first column shows what the layers are compared with: the image (top) and the network's output
 * probability p(gland) (bottom, black 0 to white 1).
 */
public final class FeatureStrip {
    /** Screen pixels per voxel in the PNG (the page enlarges it further without smoothing; small files for many strips). */
    static final int SCALE = 2;
    /** The feature panels keep 4 bits per channel: the image's noise under the colours costs bytes, not information. */
    static final int COARSE = 0xF0F0F0;
    /** Pixels between panels. */
    static final int GAP = 4;
    static final Color TRUTH = new Color(40, 220, 80);
    static final Color PREDICTION = new Color(255, 60, 220);
    static final int[] PALETTE = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf, 0xaec7e8, 0xffbb78};

    /** Per layer, what is fitted on the training features of one checkpoint. */
    public record LayerStyle(Standardizer standardizer, Pca pca, KMeansModel clusters) {}

    private FeatureStrip() {}

    /** Fits, per tap, the standardisation, the PCA projection and k-means (k clusters) on the training sample. */
    public static Map<String, LayerStyle> fit(FeatureSample train, int k, long seed) {
        Map<String, LayerStyle> out = new LinkedHashMap<>();
        for (Map.Entry<String, LayerSample> e : train.layers().entrySet()) {
            if (e.getKey().equals("image")) continue;
            Standardizer st = Standardizer.fit(e.getValue());
            LayerSample z = st.apply(e.getValue());
            KMeansModel km = new KMeans(k, seed).withRestarts(1).fit(new FeatureMatrix(z.data(), z.n(), z.channels()));
            out.put(e.getKey(), new LayerStyle(st, Pca.fit(z), km));
        }
        return out;
    }

    /** The slice (z) with the most gland in the mask, or the middle slice when there is none. */
    static int bestSlice(float[] mask, int d, int h, int w) {
        int best = d / 2;
        long most = 0;
        for (int z = 0; z < d; z++) {
            long c = 0;
            for (int i = 0; i < h * w; i++) if (mask != null && mask[z * h * w + i] > 0.5f) c++;
            if (c > most) {
                most = c;
                best = z;
            }
        }
        return best;
    }

    /**
     * Renders the strip of one case: row 1 the PCA colours, row 2 the cluster maps, one column per layer,
     * after a first column with the image (row 1) and the predicted probability (row 2). {@code title} goes above.
     */
    public static BufferedImage render(SegmentationNetwork net, PreparedSet set, int caseIndex, int slice, Map<String, LayerStyle> styles, String title) {
        int[] dims = set.dims(caseIndex);
        int d = dims[0], h = dims[1], w = dims[2];
        float[] img = set.images().get(caseIndex);
        float[] mask = set.labelled() ? set.masks().get(caseIndex) : null;
        List<String> taps = net.tapNames();
        SegmentationNetwork.Inference inf = net.infer(img, 1, d, h, w, Set.copyOf(taps));
        img = set.channel(caseIndex, 0); // the strip shows input channel 0 (and says so when there are several)
        float[] prob = inf.probabilities();
        int z = slice < 0 ? bestSlice(mask, d, h, w) : slice;
        int pw = w * SCALE, ph = h * SCALE, label = 16, top = 38, gap = GAP;
        int cols = taps.size() + 1;
        BufferedImage out = new BufferedImage(cols * (pw + gap) + gap, top + 2 * (ph + label + gap) + gap, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
        g.drawString(title, gap, 15);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        g.drawString("slice " + z + (mask != null ? "; green: ground truth, magenta: prediction" : "; magenta: prediction (no labels)")
                + "; top row: 3 principal components as RGB, bottom row: k-means clusters", gap, 31);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        float lo = percentile(img, 0.01), hi = percentile(img, 0.99);
        float[] under = smoothedSlice(img, z, h, w);
        for (int row = 0; row < 2; row++) {
            int y0 = top + row * (ph + label + gap);
            for (int c = 0; c < cols; c++) {
                int x0 = gap + c * (pw + gap);
                BufferedImage panel = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
                String name;
                if (c == 0) {
                    name = row == 0 ? (set.channels() > 1 ? "image (channel 0 of " + set.channels() + ")" : "image") : "prediction p(gland)";
                    for (int y = 0; y < h; y++) {
                        for (int x = 0; x < w; x++) {
                            int i = (z * h + y) * w + x;
                            panel.setRGB(x, h - 1 - y, row == 0 ? grey(img[i], lo, hi) : hot(prob[i]));
                        }
                    }
                } else {
                    String tap = taps.get(c - 1);
                    SegmentationNetwork.TapFeatures f = inf.taps().get(tap);
                    LayerStyle st = styles.get(tap);
                    SegmentationNetwork.Tap t = net.taps().get(c - 1);
                    int sd = t.sd(), sh = t.sh(), sw = t.sw();
                    // the stride says how coarse the layer is: one block of the picture is sh x sw voxels of the scan
                    name = tap + " (stride " + (sd == sh && sh == sw ? Integer.toString(sd) : sd + "x" + sh + "x" + sw) + ")";
                    int ch = f.channels(), plane = f.d() * f.h() * f.w();
                    float[] v = new float[ch];
                    int[] colour = new int[f.h() * f.w()];
                    int fz = Math.min(z / sd, f.d() - 1);
                    for (int yy = 0; yy < f.h(); yy++) {
                        for (int xx = 0; xx < f.w(); xx++) {
                            int cell = (fz * f.h() + yy) * f.w() + xx;
                            for (int k = 0; k < ch; k++) v[k] = (float) ((f.data()[k * plane + cell] - st.standardizer().mean()[k]) / st.standardizer().scale()[k]);
                            colour[yy * f.w() + xx] = row == 0 ? st.pca().rgb(v, 0)
                                    : PALETTE[st.clusters().predict(new FeatureMatrix(v, 1, ch))[0] % PALETTE.length];
                        }
                    }
                    for (int y = 0; y < h; y++) {
                        for (int x = 0; x < w; x++) {
                            int fc = colour[Math.min(y / sh, f.h() - 1) * f.w() + Math.min(x / sw, f.w() - 1)];
                            panel.setRGB(x, h - 1 - y, blend(fc, grey(under[y * w + x], lo, hi), 0.8) & COARSE);
                        }
                    }
                }
                g.drawImage(panel, x0, y0, pw, ph, null);
                contour(g, mask, z, h, w, x0, y0, TRUTH);
                contour(g, prob, z, h, w, x0, y0, PREDICTION);
                g.setColor(Color.BLACK);
                g.drawString(name, x0 + 2, y0 + ph + 12);
            }
        }
        g.dispose();
        return out;
    }

    /** Draws the boundary of {@code m >= 0.5} on slice z as line segments between inside and outside voxels. */
    static void contour(Graphics2D g, float[] m, int z, int h, int w, int x0, int y0, Color colour) {
        if (m == null) return;
        g.setColor(colour);
        g.setStroke(new BasicStroke(1.5f));
        int base = z * h * w;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                boolean in = m[base + y * w + x] >= 0.5f;
                int sx = x0 + x * SCALE, sy = y0 + (h - 1 - y) * SCALE;
                if (x + 1 < w && in != (m[base + y * w + x + 1] >= 0.5f)) g.drawLine(sx + SCALE, sy, sx + SCALE, sy + SCALE);
                if (y + 1 < h && in != (m[base + (y + 1) * w + x] >= 0.5f)) g.drawLine(sx, sy, sx + SCALE, sy);
            }
        }
    }

    static int grey(float v, float lo, float hi) {
        int g = (int) Math.round(255 * Math.max(0, Math.min(1, (v - lo) / (hi - lo + 1e-6f))));
        return (g << 16) | (g << 8) | g;
    }

    /** Slice z under a 3x3 mean: the anatomy under the feature colours without the scan's noise (which PNG cannot compress). */
    static float[] smoothedSlice(float[] img, int z, int h, int w) {
        float[] out = new float[h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double s = 0;
                int n = 0;
                for (int dy = -1; dy <= 1; dy++) {
                    for (int dx = -1; dx <= 1; dx++) {
                        int yy = y + dy, xx = x + dx;
                        if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                        s += img[(z * h + yy) * w + xx];
                        n++;
                    }
                }
                out[y * w + x] = (float) (s / n);
            }
        }
        return out;
    }

    /** A probability as black (0) through red and yellow to white (1). */
    static int hot(float p) {
        double v = Math.max(0, Math.min(1, p));
        int r = (int) Math.round(255 * Math.min(1, 3 * v)), g = (int) Math.round(255 * Math.max(0, Math.min(1, 3 * v - 1))),
                b = (int) Math.round(255 * Math.max(0, Math.min(1, 3 * v - 2)));
        return (r << 16) | (g << 8) | b;
    }

    /** The x pixel where column {@code column} (0: image and probability; 1..: the taps in order) starts in a strip of a w-voxel-wide case. */
    public static int columnX(int column, int w) {
        return GAP + column * (w * SCALE + GAP);
    }

    /** The width in pixels of one panel of a strip of a w-voxel-wide case. */
    public static int panelWidth(int w) {
        return w * SCALE;
    }

    static int blend(int a, int b, double alpha) {
        int r = (int) (((a >> 16) & 255) * alpha + ((b >> 16) & 255) * (1 - alpha));
        int gg = (int) (((a >> 8) & 255) * alpha + ((b >> 8) & 255) * (1 - alpha));
        int bb = (int) ((a & 255) * alpha + (b & 255) * (1 - alpha));
        return (r << 16) | (gg << 8) | bb;
    }

    static float percentile(float[] v, double q) {
        float[] s = v.clone();
        java.util.Arrays.sort(s);
        return s[(int) (q * (s.length - 1))];
    }
}
