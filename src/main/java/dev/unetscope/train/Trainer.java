package dev.unetscope.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;

import dev.unetscope.data.LeftRightFlip;
import dev.unetscope.data.PreparedSet;
import dev.unetscope.experiment.CsvTable;
import dev.unetscope.experiment.Experiment;
import dev.unetscope.experiment.Provenance;
import dev.unetscope.io.BadInputException;
import dev.unetscope.model.EngineInput;
import dev.unetscope.model.OneDnnSwitch;
import dev.unetscope.model.UNet;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;


/**
 * Trains one UNet per (objective, replicate) with Adam on mini-batches of the training split and
 * saves checkpoints on a {@link CheckpointSchedule}. Everything a step does is a function of
 * (run seed, step): the batch, the augmentation and any dropout mask. So a run killed at any moment
 * and started again continues from its last complete checkpoint and ends bit-identical to an
 * uninterrupted run.
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
    public static final String TRAINING_CSV = dev.unetscope.experiment.ResultFiles.TRAINING_CSV;
    public static final List<String> TRAINING_COLUMNS = List.of("run", "objective", "replicate", "step", "epoch", "loss");

    private final Experiment exp;
    private final TrainConfig cfg;
    private final PreparedSet train;
    private final PreparedSet val;

    public Trainer(Experiment exp, TrainConfig cfg, PreparedSet train, PreparedSet val) {
        this.exp = exp;
        this.cfg = cfg;
        this.train = train;
        this.val = val;
        if (train.channels() != 1) {
            throw new dev.unetscope.io.BadInputException("the experiment's cases have " + train.channels() + " input channels; the built-in UNet trains on one",
                    "analyse a model trained elsewhere on these channels: export it and 'unetscope import --model' it");
        }
        if (!train.labelled() || train.size() == 0) {
            throw new BadInputException(exp.root(), "the training split has no labelled cases", "check the dataset and the split");
        }
        int m = cfg.net().sizeMultiple();
        if (!train.uniform() || !val.uniform()) {
            throw new BadInputException(exp.root(), "the training or validation cases prepare to different shapes", "set a target shape in the preprocessing");
        }
        if (train.d() % m != 0 || train.h() % m != 0 || train.w() % m != 0) {
            throw new BadInputException(exp.root(), "training shape " + train.w() + "x" + train.h() + "x" + train.d() + " does not divide by " + m,
                    "set a preprocessing target shape whose dims divide by 2^(levels-1)");
        }
    }

    /** Trains every run of the config; runs already complete are skipped, interrupted ones resumed. */
    public void trainAll() {
        for (int r = 0; r < cfg.replicates(); r++) {
            for (String obj : cfg.objectives()) trainRun(obj, r);
        }
    }

    /** Trains (or resumes) one run; returns the number of steps it actually computed. */
    public int trainRun(String objectiveName, int replicate) {
        String run = TrainConfig.runName(objectiveName, replicate);
        Objective objective = Objectives.byName(objectiveName);
        CheckpointStore store = new CheckpointStore(exp, run);
        List<Integer> schedule = CheckpointSchedule.steps(cfg.steps(), cfg.checkpoints());
        long runSeed = cfg.runSeed(replicate);
        CheckpointStore.Manifest manifest = store.manifest();
        if (manifest != null && manifest.torchScript()) {
            throw new BadInputException(store.manifestFile(), "run " + run + " was imported, not trained here",
                    "train into a new experiment folder");
        }
        if (manifest != null && !manifest.train().equals(cfg)) {
            throw new BadInputException(store.manifestFile(), "run " + run + " was trained with another config (" + manifest.train() + ")",
                    "train into a new experiment folder, or delete checkpoints/" + run + " to retrain it");
        }
        List<CheckpointStore.Entry> entries = manifest == null ? new ArrayList<>() : new ArrayList<>(manifest.checkpoints());
        int start = entries.isEmpty() ? 0 : entries.get(entries.size() - 1).step();
        if (start >= cfg.steps()) {
            LOG.info("{}: already trained ({} checkpoints)", run, entries.size());
            return 0;
        }

        CsvTable log = CsvTable.readOrEmpty(exp.resultsDir().resolve(TRAINING_CSV), TRAINING_COLUMNS);
        final int resumeFrom = start;
        log.removeIf(row -> row.get("run").equals(run) && Integer.parseInt(row.get("step")) > resumeFrom);

        UNet net = start == 0 ? UNet.create(cfg.net(), runSeed) : UNet.load(store.paramsFile(start), cfg.net());
        Adam adam = new Adam(net.manager(), cfg.lr());
        try {
            if (start > 0) {
                // loaded parameter arrays come without autograd; attach it as initialisation does
                for (Pair<String, Parameter> p : net.block().getParameters()) {
                    if (p.getValue().requiresGradient()) p.getValue().getArray().setRequiresGradient(true);
                }
                store.loadAdam(start, adam);
                LOG.info("{}: resuming from step {}", run, start);
            }
            int n = cfg.batch(), vox = train.voxels();
            float[] x = new float[n * vox], y = new float[n * vox];
            try (ProgressBar bar = progress(run, start)) {
                for (int step = start + 1; step <= cfg.steps(); step++) {
                    fillBatch(runSeed, step, x, y);
                    float loss = step(net, adam, objective, x, y, runSeed, step);
                    if (!Float.isFinite(loss)) {
                        throw new IllegalStateException(run + ": loss became " + loss + " at step " + step
                                + " (with ONEDNN_MAX_CPU_ISA unset this CPU computes wrong convolutions; run 'unetscope doctor')");
                    }
                    double epoch = (double) step * n / train.size();
                    log.add(List.of(run, objectiveName, replicate, step, epoch, (double) loss));
                    if (bar != null) {
                        bar.step();
                        bar.setExtraMessage(String.format("loss %.4f", loss));
                    } else if (step % Math.max(1, cfg.steps() / 10) == 0) {
                        LOG.info("{}: step {}/{} loss {}", run, step, cfg.steps(), String.format("%.4f", loss));
                    }
                    if (schedule.contains(step)) {
                        double valIoU = validationIoU(net);
                        net.save(store.paramsFile(step));
                        store.saveAdam(step, adam);
                        entries.add(new CheckpointStore.Entry(step, epoch, loss, valIoU, store.paramsFile(step).getFileName().toString(), Instant.now().toString()));
                        log.write(exp.resultsDir().resolve(TRAINING_CSV));
                        store.writeManifest(new CheckpointStore.Manifest(run, objectiveName, replicate, runSeed, cfg.net().hash(), cfg,
                                Provenance.versions(), List.copyOf(entries)));
                        store.pruneAdam(step);
                    }
                }
            }
            return cfg.steps() - start;
        } finally {
            adam.close();
            net.close();
        }
    }

    private ProgressBar progress(String run, int start) {
        if (System.console() == null) return null;
        ProgressBar bar = new ProgressBarBuilder().setTaskName(run).setInitialMax(cfg.steps()).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500).showSpeed().build();
        bar.stepTo(start);
        return bar;
    }

    /**
     * The batch of a step: cases drawn from a per-epoch permutation of the training split (seeded by
     * run seed and epoch), then, when augmenting, a random left-right flip and an intensity jitter.
     */
    void fillBatch(long runSeed, int step, float[] x, float[] y) {
        int n = cfg.batch(), size = train.size(), vox = train.voxels();
        for (int b = 0; b < n; b++) {
            long pos = (long) (step - 1) * n + b;
            int epoch = (int) (pos / size);
            int[] perm = permutation(size, new Random(runSeed * 31 + epoch));
            int c = perm[(int) (pos % size)];
            float[] img = train.images().get(c), msk = train.masks().get(c);
            Random aug = new Random(runSeed * 1_000_003L + pos);
            boolean flip = cfg.augment() && aug.nextBoolean();
            float scale = cfg.augment() ? (float) (1 + TrainConfig.JITTER * aug.nextGaussian()) : 1f;
            float shift = cfg.augment() ? (float) (TrainConfig.JITTER * aug.nextGaussian()) : 0f;
            int w = train.w();
            for (int i = 0; i < vox; i++) {
                int src = flip ? LeftRightFlip.mirror(i, w) : i;
                x[b * vox + i] = img[src] * scale + shift;
                y[b * vox + i] = msk[src];
            }
        }
    }

    static int[] permutation(int n, Random r) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** Forward, loss, backward, Adam, zeroed gradients; everything the step creates is closed with it. */
    private float step(UNet net, Adam adam, Objective objective, float[] x, float[] y, long runSeed, int step) {
        Shape shape = new Shape(cfg.batch(), net.config().inChannels(), train.d(), train.h(), train.w());
        return step(net, adam, objective, x, y, shape, runSeed, step, null);
    }

    /**
     * Whether the backward pass uses oneDNN: yes by default; {@code -Dunetscope.onednnBackward=off} runs each
     * step's backward with oneDNN off ({@link OneDnnSwitch}), so libtorch computes the convolutions'
     * gradients on its own path (im2col and its BLAS). Measured on 2 quiet cores (docs/ARCHITECTURE.md,
     * Speed) oneDNN's backward is the faster one (0.113 against 0.141 s/step on the reference config,
     * 0.117 against 0.141 on the demo's), although under a heavy load the order reversed; the switch
     * stays for machines where it wins.
     */
    static final boolean ONEDNN_BACKWARD = !"off".equals(System.getProperty("unetscope.onednnBackward"));

    /** Receives the end of each phase of a {@link #step}, as {@link System#nanoTime()}. */
    interface PhaseClock {
        /** Called after forward + loss and after backward (loss read back); the update runs to the return. */
        void mark(int phase, long nanos);

        int FORWARD = 0, BACKWARD = 1;
    }

    /**
     * One training step on {@code x} ({@code shape} = n x inC x d x h x w) and its mask {@code y}
     * (n x 1 x d x h x w): seeded by (run seed, step), forward under a gradient collector, loss,
     * backward, Adam on every trainable parameter, gradients zeroed; returns the loss before the
     * update. Everything it creates lives in a sub-manager closed before it returns. {@code clock},
     * when not null, is told when each phase ends (the bench command times the phases apart).
     */
    static float step(UNet net, Adam adam, Objective objective, float[] x, float[] y, Shape shape, long runSeed, int step,
                      PhaseClock clock) {
        Engine.getInstance().setRandomSeed(Long.hashCode(runSeed * 131 + step)); // dropout masks depend on the step only
        float loss;
        try (NDManager sm = net.manager().newSubManager()) {
            // freed when the step's manager closes, not when the collector gets to DJL's buffers (model/EngineInput)
            NDArray xa = EngineInput.of(sm, x, shape);
            NDArray ya = EngineInput.of(sm, y, new Shape(shape.get(0), 1, shape.get(2), shape.get(3), shape.get(4)));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray logits = net.block().forward(new ParameterStore(sm, false), new NDList(xa), true).singletonOrThrow();
                NDArray l = objective.loss(logits, ya);
                if (clock != null) clock.mark(PhaseClock.FORWARD, System.nanoTime());
                boolean restore = ONEDNN_BACKWARD || OneDnnSwitch.set(false);
                try {
                    gc.backward(l);
                    loss = l.getFloat();
                } finally {
                    if (!ONEDNN_BACKWARD) OneDnnSwitch.set(restore);
                }
                if (clock != null) clock.mark(PhaseClock.BACKWARD, System.nanoTime());
            }
            adam.beginStep();
            for (Pair<String, Parameter> p : net.block().getParameters()) {
                Parameter par = p.getValue();
                if (!par.requiresGradient()) continue;
                NDArray weight = par.getArray();
                try (NDArray g = weight.getGradient()) {
                    adam.update(p.getKey(), weight, g, sm);
                }
                // PyTorch accumulates gradients; zero_() (not DJL's subtract-itself) also clears a NaN
                JniUtils.zeroGrad((PtNDArray) weight);
            }
        }
        return loss;
    }

    /** Mean IoU of the thresholded prediction over the validation split (NaN when there is none). */
    double validationIoU(UNet net) {
        if (val == null || val.size() == 0 || !val.labelled()) return Double.NaN;
        return BatchInference.meanIoU(net, val);
    }
}
