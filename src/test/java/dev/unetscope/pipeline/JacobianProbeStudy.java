package dev.unetscope.pipeline;

import dev.unetscope.data.ExperimentData;
import dev.unetscope.data.PreparedSet;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.features.FeatureExtractor;
import dev.unetscope.features.FeatureSample;
import dev.unetscope.features.JacobianNorm;
import dev.unetscope.features.ReceptiveFieldSampler;
import dev.unetscope.features.Standardizer;
import dev.unetscope.model.SegmentationNetwork;
import dev.unetscope.train.CheckpointRef;

import java.nio.file.Path;
import java.util.List;

/**
 * Not a test: the Jacobian-norm estimate's cost and its spread over probe fields on a real
 * checkpoint. Per layer: the value with K probes, the relative standard deviation of one probe's
 * q over the K (averaged over cases), and the seconds. Run with ONEDNN_MAX_CPU_ISA=AVX2.
 * Arguments: EXPERIMENT [checkpoint index (last)] [set (test)] [K (8)] [samples per case (300)].
 */
public final class JacobianProbeStudy {
    public static void main(String[] args) {
        Experiment exp = Experiment.open(Path.of(args[0]));
        List<CheckpointRef> all = CheckpointRef.all(exp);
        CheckpointRef ref = all.get(args.length > 1 ? Integer.parseInt(args[1]) : all.size() - 1);
        String setName = args.length > 2 ? args[2] : "test";
        int k = args.length > 3 ? Integer.parseInt(args[3]) : 8;
        int samples = args.length > 4 ? Integer.parseInt(args[4]) : 300;
        PreparedSets prepared = new PreparedSets(exp, ExperimentData.queries(exp));
        PreparedSet train = prepared.split(prepared.of(ref), "train");
        PreparedSet set = prepared.sets(ref).apply(setName);
        ReceptiveFieldSampler sampler = new ReceptiveFieldSampler(1, samples, ReceptiveFieldSampler.Mode.UNIFORM);
        try (SegmentationNetwork net = ref.open()) {
            FeatureSample tr = FeatureExtractor.extract(net, train, sampler, net.tapNames());
            long t0 = System.nanoTime();
            FeatureSample s = FeatureExtractor.extract(net, set, sampler, net.tapNames());
            System.out.printf("checkpoint %s, set %s (%d cases), K %d, %d positions per case; features %.2f s%n", ref.id(), setName, set.size(), k, samples,
                    (System.nanoTime() - t0) / 1e9);
            java.util.Map<String, double[]> scales = new java.util.LinkedHashMap<>();
            for (String l : net.tapNames()) scales.put(l, Standardizer.fit(tr.layer(l)).scale());
            var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            long c0 = os.getProcessCpuTime();
            FeatureExtractor.extract(net, set, sampler, net.tapNames());
            long c1 = os.getProcessCpuTime();
            long t = System.nanoTime();
            java.util.Map<String, JacobianNorm.Probes> byLayer = JacobianNorm.estimate(net, set, s, scales, k, 1);
            double total = (System.nanoTime() - t) / 1e9;
            long c2 = os.getProcessCpuTime();
            for (String l : net.tapNames()) JacobianNorm.estimate(net, set, s, l, scales.get(l), k, 1); // one forward pass per layer, for comparison
            long c3 = os.getProcessCpuTime();
            System.out.printf("process CPU seconds: feature extraction (forward, every tap) %.2f; Jacobian, one forward for all layers %.2f; one forward per layer %.2f%n",
                    (c1 - c0) / 1e9, (c2 - c1) / 1e9, (c3 - c2) / 1e9);
            for (JacobianNorm.Probes p : byLayer.values()) {
                System.out.printf("%-11s value %.5g  rsd of one probe %.3f%n", p.layer(), p.setValue(), p.relativeSd());
            }
            System.out.printf("total %.2f s%n", total);
        }
    }
}
