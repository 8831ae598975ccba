package dev.unetscope.model;

import dev.unetscope.io.BadInputException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Sliding-window inference around another network, for volumes a single pass cannot hold: the input is
 * cut into overlapping patches of {@code patch} (D, H, W), each run through the network, and the
 * results put back together.
 *
 * <p>Probabilities: as MONAI's {@code sliding_window_inference} with {@code mode="gaussian"}: each
 * patch's probabilities are weighted by the importance map {@code w(z, y, x) = g_D(z) g_H(y) g_W(x)},
 * {@code g_n(i) = exp(-(i - (n - 1) / 2)^2 / (2 (sigma_scale n)^2))}, clamped below at
 * {@code max(min w, 1e-3)}, summed over the patches and divided by the summed weights.
 * Window starts per axis: {@code k * interval}, the last moved back to end at the volume's edge, with
 * {@code interval = floor(patch (1 - overlap))} (MONAI's rule) rounded down to a multiple of the size
 * divisor (at least the divisor) so that every patch's taps lie on the whole volume's tap grid; a
 * patch axis that covers the whole (padded) volume has one window. The volume is first padded at the far
 * end, repeating the edge, to a multiple of the size divisor and at least the patch; outputs are
 * cropped back.
 *
 * <p>Taps: each tap voxel is taken from the window whose centre is nearest to the centre of that tap
 * voxel's footprint in the input (ties to the earlier window), so a sampled position reads its features
 * from the window that saw the most context around it; features are not blended.
 */
public final class SlidingWindowNetwork implements SegmentationNetwork {
    public static final double DEFAULT_OVERLAP = 0.5;
    public static final double DEFAULT_SIGMA_SCALE = 0.125;
    /** Windows per forward pass. */
    static final int WINDOW_BATCH = 2;

    private final SegmentationNetwork net;
    private final int[] patch;
    private final double overlap;
    private final double sigmaScale;

    public SlidingWindowNetwork(SegmentationNetwork net, int[] patch, double overlap, double sigmaScale) {
        checkPatch(patch, net.sizeDivisor(), null);
        if (!(overlap >= 0 && overlap < 1)) throw new IllegalArgumentException("overlap must be in [0, 1): " + overlap);
        this.net = net;
        this.patch = patch.clone();
        this.overlap = overlap;
        this.sigmaScale = sigmaScale;
    }

    public SlidingWindowNetwork(SegmentationNetwork net, int[] patch) {
        this(net, patch, DEFAULT_OVERLAP, DEFAULT_SIGMA_SCALE);
    }

    /**
     * Refuses, in one line, a patch that is not three positive sizes, each a multiple of the network's
     * size divisor. {@code source} (the model file, or null) is named in the message.
     */
    public static void checkPatch(int[] patch, int[] divisor, java.nio.file.Path source) {
        String hint = "give --patch D,H,W with each size a positive multiple of the size divisor "
                + divisor[0] + "x" + divisor[1] + "x" + divisor[2];
        if (patch == null || patch.length != 3) throw new BadInputException(source, "--patch needs three sizes D,H,W", hint);
        for (int a = 0; a < 3; a++) {
            if (patch[a] < 1 || patch[a] % divisor[a] != 0) {
                throw new BadInputException(source, "--patch " + patch[0] + "," + patch[1] + "," + patch[2]
                        + " is not a positive multiple of the size divisor " + divisor[0] + "x" + divisor[1] + "x" + divisor[2] + " on every axis", hint);
            }
        }
    }

    public int[] patch() {
        return patch.clone();
    }

    @Override
    public int inChannels() {
        return net.inChannels();
    }

    @Override
    public List<Tap> taps() {
        return net.taps();
    }

    @Override
    public int[] sizeDivisor() {
        return net.sizeDivisor();
    }

    /** Window starts on one axis of padded length {@code n} (see the class comment). */
    static int[] starts(int n, int p, int divisor, double overlap) {
        if (p >= n) return new int[] {0};
        int interval = (int) (p * (1 - overlap));
        interval = Math.max(divisor, interval / divisor * divisor);
        List<Integer> s = new ArrayList<>();
        for (int k = 0; ; k++) {
            int start = k * interval;
            if (start + p >= n) {
                s.add(n - p);
                break;
            }
            s.add(start);
        }
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    /** MONAI's Gaussian importance map of a d x h x w patch, flattened (D slowest). */
    static float[] importance(int d, int h, int w, double sigmaScale) {
        double[] gd = gauss(d, sigmaScale), gh = gauss(h, sigmaScale), gw = gauss(w, sigmaScale);
        float[] m = new float[d * h * w];
        float min = Float.POSITIVE_INFINITY;
        for (int z = 0; z < d; z++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    // float32 products in MONAI's order (outer product D, then H, then W)
                    float v = (float) gd[z] * (float) gh[y];
                    v = v * (float) gw[x];
                    m[(z * h + y) * w + x] = v;
                    min = Math.min(min, v);
                }
            }
        }
        float floor = Math.max(min, 1e-3f);
        for (int i = 0; i < m.length; i++) m[i] = Math.max(m[i], floor);
        return m;
    }

    private static double[] gauss(int n, double sigmaScale) {
        double sigma = n * sigmaScale;
        double[] g = new double[n];
        for (int i = 0; i < n; i++) {
            float x = (float) (-(n - 1) / 2.0 + i);
            g[i] = (float) Math.exp(x * x / (-2 * sigma * sigma));
        }
        return g;
    }

    @Override
    public Inference infer(float[] volumes, int batch, int d, int h, int w, Set<String> wantedTaps) {
        int cin = inChannels();
        int[] m = sizeDivisor();
        int pd = Math.max(roundUp(d, m[0]), patch[0]), ph = Math.max(roundUp(h, m[1]), patch[1]), pw = Math.max(roundUp(w, m[2]), patch[2]);
        pd = roundUp(pd, m[0]);
        ph = roundUp(ph, m[1]);
        pw = roundUp(pw, m[2]);
        float[] input = (pd == d && ph == h && pw == w) ? volumes : UNet.padReplicate(volumes, batch * cin, d, h, w, pd, ph, pw);
        int wd = Math.min(patch[0], pd), wh = Math.min(patch[1], ph), ww = Math.min(patch[2], pw);
        int[] sz = starts(pd, wd, m[0], overlap), sy = starts(ph, wh, m[1], overlap), sx = starts(pw, ww, m[2], overlap);
        float[] imp = importance(wd, wh, ww, sigmaScale);
        Set<String> wanted = wantedTaps == null ? Set.of() : wantedTaps;
        List<Tap> tapList = new ArrayList<>();
        for (Tap t : taps()) if (wanted.contains(t.name())) tapList.add(t);
        taps(wanted); // refuses an unknown tap name
        int vox = pd * ph * pw, wvox = wd * wh * ww;
        float[] prob = new float[batch * vox];
        Map<String, float[]> tapOut = new LinkedHashMap<>();
        for (Tap t : tapList) tapOut.put(t.name(), new float[batch * t.channels() * (pd / t.sd()) * (ph / t.sh()) * (pw / t.sw())]);
        List<int[]> windows = new ArrayList<>();
        for (int z0 : sz) for (int y0 : sy) for (int x0 : sx) windows.add(new int[] {z0, y0, x0});
        for (int b = 0; b < batch; b++) {
            double[] num = new double[vox], den = new double[vox];
            // windows two at a time: libtorch's 3D convolution is several times slower per volume at batch 1
            for (int first = 0; first < windows.size(); first += WINDOW_BATCH) {
                int n = Math.min(WINDOW_BATCH, windows.size() - first);
                float[] win = new float[n * cin * wvox];
                for (int k = 0; k < n; k++) {
                    int[] o = windows.get(first + k);
                    for (int c = 0; c < cin; c++) {
                        int src = (b * cin + c) * vox, dst = (k * cin + c) * wvox;
                        for (int z = 0; z < wd; z++) {
                            for (int y = 0; y < wh; y++) {
                                System.arraycopy(input, src + ((o[0] + z) * ph + (o[1] + y)) * pw + o[2], win, dst + (z * wh + y) * ww, ww);
                            }
                        }
                    }
                }
                Inference inf = net.infer(win, n, wd, wh, ww, wanted);
                float[] p = inf.probabilities();
                for (int k = 0; k < n; k++) {
                    int[] o = windows.get(first + k);
                    for (int z = 0; z < wd; z++) {
                        for (int y = 0; y < wh; y++) {
                            int row = ((o[0] + z) * ph + (o[1] + y)) * pw + o[2], wrow = (z * wh + y) * ww;
                            for (int x = 0; x < ww; x++) {
                                num[row + x] += (double) imp[wrow + x] * p[k * wvox + wrow + x];
                                den[row + x] += imp[wrow + x];
                            }
                        }
                    }
                    for (Tap t : tapList) {
                        placeNearest(t, inf.taps().get(t.name()), k, tapOut.get(t.name()), b, o[0], o[1], o[2], wd, wh, ww, pd, ph, pw, sz, sy, sx);
                    }
                }
            }
            for (int i = 0; i < vox; i++) prob[b * vox + i] = (float) (num[i] / den[i]);
        }
        float[] probCropped = UNet.crop(prob, batch, pd, ph, pw, d, h, w);
        Map<String, TapFeatures> taps = new LinkedHashMap<>();
        for (Tap t : tapList) {
            int td = ceilDiv(d, t.sd()), th = ceilDiv(h, t.sh()), tw = ceilDiv(w, t.sw());
            float[] data = UNet.crop(tapOut.get(t.name()), batch * t.channels(), pd / t.sd(), ph / t.sh(), pw / t.sw(), td, th, tw);
            taps.put(t.name(), new TapFeatures(t.name(), t.channels(), td, th, tw, data));
        }
        return new Inference(probCropped, taps);
    }

    /** Copies, from window {@code k} of a pass, the tap voxels whose footprint centre is nearest to this window's centre. */
    private static void placeNearest(Tap t, TapFeatures f, int k, float[] out, int b, int z0, int y0, int x0, int wd, int wh, int ww,
                                     int pd, int ph, int pw, int[] sz, int[] sy, int[] sx) {
        int sd = t.sd(), sh = t.sh(), sw = t.sw(), c = t.channels();
        int td = pd / sd, th = ph / sh, tw = pw / sw, fd = wd / sd, fh = wh / sh, fw = ww / sw;
        int plane = td * th * tw, fplane = fd * fh * fw;
        for (int z = 0; z < fd; z++) {
            int gz = z0 / sd + z;
            if (nearest(sz, wd, (gz + 0.5) * sd) != z0) continue;
            for (int y = 0; y < fh; y++) {
                int gy = y0 / sh + y;
                if (nearest(sy, wh, (gy + 0.5) * sh) != y0) continue;
                for (int x = 0; x < fw; x++) {
                    int gx = x0 / sw + x;
                    if (nearest(sx, ww, (gx + 0.5) * sw) != x0) continue;
                    for (int ch = 0; ch < c; ch++) {
                        out[(b * c + ch) * plane + (gz * th + gy) * tw + gx] = f.data()[(k * c + ch) * fplane + (z * fh + y) * fw + x];
                    }
                }
            }
        }
    }

    /**
     * The start of the window (on one axis) whose centre {@code start + p / 2} is nearest to {@code pos};
     * windows are a separable grid, so the nearest window in 3D is the nearest on each axis.
     */
    private static int nearest(int[] starts, int p, double pos) {
        int best = starts[0];
        double bestDist = Double.POSITIVE_INFINITY;
        for (int s : starts) {
            double dist = Math.abs(s + p / 2.0 - pos);
            if (dist < bestDist) {
                bestDist = dist;
                best = s;
            }
        }
        return best;
    }

    @Override
    public void close() {
        net.close();
    }

    private static int roundUp(int n, int m) {
        return ceilDiv(n, m) * m;
    }

    private static int ceilDiv(int n, int m) {
        return (n + m - 1) / m;
    }
}
