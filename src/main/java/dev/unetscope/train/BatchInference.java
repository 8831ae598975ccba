package dev.unetscope.train;

import dev.unetscope.data.Overlap;
import dev.unetscope.data.PreparedSet;
import dev.unetscope.model.SegmentationNetwork;

import java.util.Map;
import java.util.Set;

/**
 * Runs a network over a prepared set a few volumes at a time: libtorch's 3D convolution is several
 * times slower per volume at batch 1 than at batch 2 on the CPU, and a small batch keeps memory
 * independent of the number of cases.
 */
public final class BatchInference {
    private BatchInference() {}

    public static final int DEFAULT_BATCH = 2;

    /** Receives one case's probabilities (d x h x w) and its taps (batch size 1 views are copied out). */
    @FunctionalInterface
    public interface CaseResult {
        void accept(int caseIndex, float[] probabilities, Map<String, SegmentationNetwork.TapFeatures> taps);
    }

    public static void run(SegmentationNetwork net, PreparedSet set, int batch, Set<String> taps, CaseResult out) {
        if (net.inChannels() != set.channels()) {
            throw new dev.unetscope.io.BadInputException("the network takes " + net.inChannels() + " input channel(s) but set " + set.name() + "'s cases have "
                    + set.channels(), "give scans with as many channels as the model was trained on (CASE_0000, CASE_0001, ... files)");
        }
        int cin = set.channels();
        for (int start = 0; start < set.size(); ) {
            // consecutive cases of the same shape go together (a set prepared without a target shape has several)
            int[] dims = set.dims(start);
            int n = 1;
            while (n < batch && start + n < set.size() && java.util.Arrays.equals(set.dims(start + n), dims)) n++;
            int vox = dims[0] * dims[1] * dims[2];
            float[] x = new float[n * cin * vox];
            for (int b = 0; b < n; b++) System.arraycopy(set.images().get(start + b), 0, x, b * cin * vox, cin * vox);
            SegmentationNetwork.Inference inf = net.infer(x, n, dims[0], dims[1], dims[2], taps);
            for (int b = 0; b < n; b++) {
                float[] p = new float[vox];
                System.arraycopy(inf.probabilities(), b * vox, p, 0, vox);
                Map<String, SegmentationNetwork.TapFeatures> t = taps.isEmpty() ? Map.of() : slice(inf.taps(), b, n);
                out.accept(start + b, p, t);
            }
            start += n;
        }
    }

    private static Map<String, SegmentationNetwork.TapFeatures> slice(Map<String, SegmentationNetwork.TapFeatures> all, int b, int n) {
        var m = new java.util.LinkedHashMap<String, SegmentationNetwork.TapFeatures>();
        for (var e : all.entrySet()) {
            SegmentationNetwork.TapFeatures f = e.getValue();
            int per = f.data().length / n;
            float[] d = new float[per];
            System.arraycopy(f.data(), b * per, d, 0, per);
            m.put(e.getKey(), new SegmentationNetwork.TapFeatures(f.name(), f.channels(), f.d(), f.h(), f.w(), d));
        }
        return m;
    }

    /** Mean IoU over the set's cases of the prediction thresholded at 0.5. */
    public static double meanIoU(SegmentationNetwork net, PreparedSet set) {
        double[] sum = {0};
        run(net, set, DEFAULT_BATCH, Set.of(), (i, p, t) -> sum[0] += Overlap.countsAt(p, set.masks().get(i), 0, p.length).iou());
        return sum[0] / set.size();
    }
}
