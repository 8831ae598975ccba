package dev.unetscope.features;

import dev.unetscope.data.PreparedSet;
import dev.unetscope.model.SegmentationNetwork;
import dev.unetscope.model.SegmentationNetwork.Tap;
import dev.unetscope.train.BatchInference;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Reads a checkpoint's tapped feature maps at the sampler's positions, case by case: only one batch
 * of full feature maps is alive at a time, so memory depends on the sample budget, not on the number
 * of cases.
 */
public final class FeatureExtractor {
    /** The pseudo-layer of input intensities, the input of the first tap. */
    public static final String IMAGE = "image";

    private FeatureExtractor() {}

    /** Receives each case's probabilities from the same forward pass (for the probability baselines). */
    @FunctionalInterface
    public interface ProbabilityListener {
        void accept(int caseIndex, float[] probabilities);
    }

    public static FeatureSample extract(SegmentationNetwork net, PreparedSet set, ReceptiveFieldSampler sampler, List<String> taps) {
        return extract(net, set, sampler, taps, null);
    }

    public static FeatureSample extract(SegmentationNetwork net, PreparedSet set, ReceptiveFieldSampler sampler, List<String> taps, ProbabilityListener listener) {
        List<Tap> wanted = new ArrayList<>();
        for (Tap t : net.taps()) if (taps.contains(t.name())) wanted.add(t);
        for (String t : taps) {
            if (net.taps().stream().noneMatch(x -> x.name().equals(t))) {
                throw new dev.unetscope.io.BadInputException("no layer named '" + t + "'", "layers of this network: " + String.join(", ", net.tapNames()));
            }
        }
        boolean labelled = set.labelled();
        List<float[]> image = new ArrayList<>();
        Map<String, List<float[]>> data = new LinkedHashMap<>();
        Map<String, List<byte[]>> labels = new LinkedHashMap<>();
        for (Tap t : wanted) {
            data.put(t.name(), new ArrayList<>());
            labels.put(t.name(), new ArrayList<>());
        }
        List<Byte> imageLabels = new ArrayList<>();
        List<int[]> posPerCase = new ArrayList<>();
        List<int[]> shapeOf = new ArrayList<>();
        int[] total = {0};
        BatchInference.run(net, set, BatchInference.DEFAULT_BATCH, new LinkedHashSet<>(taps), (ci, prob, tapMaps) -> {
            if (listener != null) listener.accept(ci, prob);
            int[] dims = set.dims(ci);
            int d = dims[0], h = dims[1], w = dims[2];
            int[] pos = sampler.positions(set.ids().get(ci), d * h * w, prob);
            shapeOf.add(dims);
            posPerCase.add(pos);
            total[0] += pos.length;
            float[] img = set.images().get(ci);
            float[] mask = labelled ? set.masks().get(ci) : null;
            int cin = set.channels(), vox = d * h * w;
            float[] iv = new float[pos.length * cin]; // the image layer: every input channel at each position
            for (int i = 0; i < pos.length; i++) for (int k = 0; k < cin; k++) iv[i * cin + k] = img[k * vox + pos[i]];
            image.add(iv);
            byte[] il = null;
            if (mask != null) {
                il = new byte[pos.length];
                for (int i = 0; i < pos.length; i++) il[i] = mask[pos[i]] > 0.5f ? (byte) 1 : 0;
            }
            labels.computeIfAbsent(IMAGE, k -> new ArrayList<>()).add(il);
            for (Tap t : wanted) {
                SegmentationNetwork.TapFeatures f = tapMaps.get(t.name());
                int sd = t.sd(), sh = t.sh(), sw = t.sw(), c = f.channels(), td = f.d(), th = f.h(), tw = f.w(), plane = td * th * tw;
                float[] out = new float[pos.length * c];
                int[] cell = new int[pos.length];
                for (int i = 0; i < pos.length; i++) {
                    int p = pos[i], z = p / (h * w), y = (p / w) % h, x = p % w;
                    cell[i] = ((z / sd) * th + (y / sh)) * tw + (x / sw);
                    for (int ch = 0; ch < c; ch++) out[i * c + ch] = f.data()[ch * plane + cell[i]];
                }
                data.get(t.name()).add(out);
                if (mask != null) {
                    byte[] down = majority(mask, d, h, w, t.stride(), td, th, tw);
                    byte[] lab = new byte[pos.length];
                    for (int i = 0; i < pos.length; i++) lab[i] = down[cell[i]];
                    labels.get(t.name()).add(lab);
                } else {
                    labels.get(t.name()).add(null);
                }
            }
        });
        int n = total[0];
        int[] caseOf = new int[n];
        int[] positions = new int[3 * n];
        int k = 0;
        for (int ci = 0; ci < posPerCase.size(); ci++) {
            int h = shapeOf.get(ci)[1], w = shapeOf.get(ci)[2];
            for (int p : posPerCase.get(ci)) {
                caseOf[k] = ci;
                positions[3 * k] = p / (h * w);
                positions[3 * k + 1] = (p / w) % h;
                positions[3 * k + 2] = p % w;
                k++;
            }
        }
        Map<String, LayerSample> layers = new LinkedHashMap<>();
        layers.put(IMAGE, new LayerSample(IMAGE, set.channels(), 1, concat(image, n * set.channels()), labelled ? concatBytes(labels.get(IMAGE), n) : null));
        for (Tap t : wanted) {
            layers.put(t.name(), new LayerSample(t.name(), t.channels(), t.stride(), concat(data.get(t.name()), n * t.channels()),
                    labelled ? concatBytes(labels.get(t.name()), n) : null));
        }
        return new FeatureSample(set.name(), set.ids(), caseOf, positions, layers);
    }

    /**
     * 1 where more than half of the layer voxel's footprint in the input grid (sd x sh x sw voxels,
     * fewer at the far edges) is gland.
     */
    static byte[] majority(float[] mask, int d, int h, int w, int[] stride, int td, int th, int tw) {
        int sd = stride[0], sh = stride[1], sw = stride[2];
        int[] count = new int[td * th * tw];
        int[] size = new int[td * th * tw];
        for (int z = 0; z < d; z++) {
            for (int y = 0; y < h; y++) {
                int row = ((z / sd) * th + (y / sh)) * tw;
                int base = (z * h + y) * w;
                for (int x = 0; x < w; x++) {
                    int c = row + x / sw;
                    size[c]++;
                    if (mask[base + x] > 0.5f) count[c]++;
                }
            }
        }
        byte[] out = new byte[count.length];
        for (int i = 0; i < out.length; i++) out[i] = 2 * count[i] > size[i] ? (byte) 1 : 0;
        return out;
    }

    private static float[] concat(List<float[]> parts, int n) {
        float[] out = new float[n];
        int k = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, k, p.length);
            k += p.length;
        }
        return out;
    }

    private static byte[] concatBytes(List<byte[]> parts, int n) {
        byte[] out = new byte[n];
        int k = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, k, p.length);
            k += p.length;
        }
        return out;
    }
}
