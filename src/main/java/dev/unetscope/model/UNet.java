package dev.unetscope.model;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.unetscope.io.AtomicFile;
import dev.unetscope.io.BadInputException;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@link ResidualUNet} with its parameters: create it from a config and a seed, run it on volumes
 * (logits to probabilities, plus any named taps, in one forward pass), save and load its
 * parameters. Owns a DJL {@link Model}; close it when done. Its taps are isotropic: the stride of
 * every axis is the same.
 *
 * <p>Taps (see {@link ResidualUNet}): {@code enc1 .. enc(L-1), bottleneck, dec(L-1) .. dec2}, for
 * the demo's 4 levels with strides 2 {@code enc1 enc2 enc3 bottleneck dec3 dec2} at strides
 * {@code 2 4 8 8 4 2}. Arrays are N x C x D x H x W with D = z (slices), H = y, W = x, flattened row-major.
 *
 * <p>The parameter file is a small header (magic, format version, config hash, config line)
 * followed by DJL's {@code Block.saveParameters} stream; loading checks the hash first. MONAI's own
 * weights come and go as {@code .safetensors} with MONAI's state-dict names
 * ({@link #fromMonaiWeights}, {@link #toMonaiWeights}).
 */
public final class UNet implements SegmentationNetwork {

    static final String MAGIC = "unetscope.UNet.parameters";
    static final int FORMAT = 1;

    private final UNetConfig config;
    private final Model model;
    private final ResidualUNet block;

    private final ChannelRaceGuard race;

    private UNet(UNetConfig config, Model model, ResidualUNet block) {
        this.config = config;
        this.model = model;
        this.block = block;
        int[] c = config.channels();
        int[] all = java.util.Arrays.copyOf(c, c.length + 1);
        all[c.length] = config.inChannels();
        this.race = ChannelRaceGuard.enter(all);
    }

    /** A freshly initialised network; the same config and seed give bit-identical parameters. */
    public static UNet create(UNetConfig cfg, long seed) {
        Engine.getInstance().setRandomSeed(Long.hashCode(seed)); // DJL takes an int seed
        return build(cfg);
    }

    private static UNet build(UNetConfig cfg) {
        Model model = Model.newInstance("unet-" + cfg.hash());
        try {
            ResidualUNet block = new ResidualUNet(cfg);
            model.setBlock(block);
            int m = cfg.sizeMultiple();
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, cfg.inChannels(), m, m, m));
            return new UNet(cfg, model, block);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    public UNetConfig config() {
        return config;
    }

    /** The network, for training loops: {@code block().forward(...)} gives logits. */
    public ResidualUNet block() {
        return block;
    }

    /** The DJL model; its manager holds the parameters. */
    public Model model() {
        return model;
    }

    public NDManager manager() {
        return model.getNDManager();
    }

    /** Tap names in network order. */
    @Override
    public List<String> tapNames() {
        return block.tapNames();
    }

    /** Taps in network order with channel count and (isotropic) stride relative to the input. */
    @Override
    public List<Tap> taps() {
        return block.taps().stream().map(t -> Tap.isotropic(t.name(), t.channels(), t.stride())).toList();
    }

    @Override
    public int inChannels() {
        return config.inChannels();
    }

    @Override
    public int[] sizeDivisor() {
        int m = config.sizeMultiple();
        return new int[] {m, m, m};
    }

    /**
     * A network of config {@code cfg} holding the weights of MONAI's {@code UNet} saved as
     * {@code .safetensors} (its {@code state_dict()}, names as MONAI gives them). Every tensor's name
     * and shape is checked against the config first: a missing, extra or differently shaped tensor is
     * a one-line {@link BadInputException} naming it. Batch norm's {@code num_batches_tracked} may be
     * absent (its value is not used).
     */
    public static UNet fromMonaiWeights(Path file, UNetConfig cfg) {
        Map<String, SafeTensors.Tensor> tensors = SafeTensors.read(file);
        UNet net = build(cfg);
        try {
            Map<String, ResidualUNet.MonaiTensor> expected = net.block.monaiTensors();
            String hint = "check --channels/--strides/--res-units/--norm/--act against the network that was saved";
            for (ResidualUNet.MonaiTensor m : expected.values()) {
                SafeTensors.Tensor t = tensors.get(m.name());
                String want = SafeTensors.shapeText(m.shape().getShape());
                if (t == null) {
                    if (m.parameter() == null) continue;
                    throw new BadInputException(file, "checkpoint is from another architecture: tensor " + m.name() + " "
                            + want + " is missing for " + cfg.canonical(), hint);
                }
                if (!Arrays.equals(t.shape(), m.shape().getShape())) {
                    throw new BadInputException(file, "checkpoint is from another architecture: tensor " + m.name()
                            + " has shape " + SafeTensors.shapeText(t.shape()) + " but " + cfg.canonical() + " needs " + want, hint);
                }
            }
            for (String name : tensors.keySet()) {
                if (!expected.containsKey(name)) {
                    throw new BadInputException(file, "checkpoint is from another architecture: tensor " + name
                            + " is not in " + cfg.canonical(), hint);
                }
            }
            for (ResidualUNet.MonaiTensor m : expected.values()) {
                if (m.parameter() == null) continue;
                NDArray a = m.parameter().getArray();
                if (!a.getShape().equals(m.shape())) {
                    throw new IllegalStateException(m.name() + ": parameter shape " + a.getShape() + " is not MONAI's " + m.shape());
                }
                a.set(FloatBuffer.wrap(tensors.get(m.name()).values()));
            }
            return net;
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    /**
     * Writes the parameters as MONAI's {@code UNet} state dict in {@code .safetensors} (F32; batch
     * norm's {@code num_batches_tracked} as I64 0), so {@code load_state_dict} in PyTorch takes it.
     */
    public void toMonaiWeights(Path file) {
        List<SafeTensors.Tensor> out = new ArrayList<>();
        for (ResidualUNet.MonaiTensor m : block.monaiTensors().values()) {
            long[] shape = m.shape().getShape();
            out.add(m.parameter() == null ? new SafeTensors.Tensor(m.name(), SafeTensors.DType.I64, shape, new float[1])
                    : new SafeTensors.Tensor(m.name(), SafeTensors.DType.F32, shape, m.parameter().getArray().toFloatArray()));
        }
        SafeTensors.write(file, out, Map.of("format", "pt", "unetscope.config", config.canonical()));
    }

    /** Number of trainable scalars. */
    public long parameterCount() {
        long n = 0;
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (p.getValue().requiresGradient()) n += p.getValue().getArray().size();
        }
        return n;
    }

    /**
     * Runs the network once in inference mode (batch norm uses its running statistics, dropout is
     * off, no autograd graph) on {@code batch} volumes of {@code inChannels x d x h x w} and returns
     * sigmoid probabilities plus the requested taps. Dims that do not divide by
     * {@link UNetConfig#sizeMultiple()} are padded at the high end by repeating the last slice/row/
     * column and cropped back: probabilities to d x h x w, a tap of stride s to ceil(d/s) x ceil(h/s)
     * x ceil(w/s). Everything the pass creates lives in a sub-manager closed before returning.
     */
    @Override
    public Inference infer(float[] volumes, int batch, int d, int h, int w, Set<String> taps) {
        int cin = config.inChannels();
        if (batch < 1 || d < 1 || h < 1 || w < 1) {
            throw new IllegalArgumentException("batch and dims must be positive: " + batch + " x " + d + " x " + h + " x " + w);
        }
        long expected = (long) batch * cin * d * h * w;
        if (volumes.length != expected) {
            throw new IllegalArgumentException("expected " + batch + " x " + cin + " x " + d + " x " + h + " x " + w
                    + " = " + expected + " voxels, got " + volumes.length);
        }
        Set<String> wanted = taps == null ? Set.of() : taps;
        taps(wanted); // refuses an unknown tap name
        int m = config.sizeMultiple();
        int pd = roundUp(d, m), ph = roundUp(h, m), pw = roundUp(w, m);
        float[] input = (pd == d && ph == h && pw == w) ? volumes
                : padReplicate(volumes, batch * cin, d, h, w, pd, ph, pw);

        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager step = manager().newSubManager()) {
            NDArray x = EngineInput.of(step, input, new Shape(batch, cin, pd, ph, pw));
            Map<String, NDArray> all = wanted.isEmpty() ? null : new LinkedHashMap<>();
            NDArray logits = block.forwardTaps(new ParameterStore(step, false), x, false, all);
            float[] prob = ai.djl.nn.Activation.sigmoid(logits).toFloatArray();
            prob = crop(prob, batch, pd, ph, pw, d, h, w);
            Map<String, TapFeatures> out = new LinkedHashMap<>();
            if (all != null) {
                for (ResidualUNet.Tap t : block.taps()) {
                    if (!wanted.contains(t.name())) continue;
                    int s = t.stride();
                    int td = ceilDiv(d, s), th = ceilDiv(h, s), tw = ceilDiv(w, s);
                    float[] data = crop(all.get(t.name()).toFloatArray(), batch * t.channels(),
                            pd / s, ph / s, pw / s, td, th, tw);
                    out.put(t.name(), new TapFeatures(t.name(), t.channels(), td, th, tw, data));
                }
            }
            return new Inference(prob, Collections.unmodifiableMap(out));
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    /**
     * The input gradients of taps ({@link SegmentationNetwork#tapInputGradients}) through DJL's
     * autograd on the PyTorch engine, one forward pass for all; the parameters stop requiring
     * gradients for the pass (only the input's is wanted) and are restored after.
     */
    @Override
    public Map<String, float[]> tapInputGradients(float[] volumes, int batch, int d, int h, int w, Map<String, float[]> cotangents) {
        Map<String, Tap> shapes = taps(cotangents.keySet());
        int m = config.sizeMultiple();
        List<Parameter> frozen = new ArrayList<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (p.getValue().isInitialized() && p.getValue().getArray().hasGradient()) {
                p.getValue().getArray().setRequiresGradient(false);
                frozen.add(p.getValue());
            }
        }
        try {
            return InputGradient.of(manager(), volumes, batch, config.inChannels(), d, h, w, new int[] {m, m, m}, shapes, cotangents, (step, x) -> {
                Map<String, NDArray> all = new LinkedHashMap<>();
                block.forwardTaps(new ParameterStore(step, false), x, false, all);
                return all;
            });
        } finally {
            for (Parameter p : frozen) p.getArray().setRequiresGradient(true);
        }
    }

    /** Writes the parameters atomically, after a header that names the config. */
    public void save(Path file) {
        AtomicFile.write(file, raw -> {
            DataOutputStream out = new DataOutputStream(raw);
            out.writeUTF(MAGIC);
            out.writeInt(FORMAT);
            out.writeUTF(config.hash());
            out.writeUTF(config.canonical());
            block.saveParameters(out);
            out.flush();
        });
    }

    /**
     * Loads parameters saved by {@link #save}. A file saved for another configuration, a foreign
     * file or a truncated one gives a {@link BadInputException} naming the problem in one line.
     */
    public static UNet load(Path file, UNetConfig expected) {
        if (!Files.isRegularFile(file)) {
            throw new BadInputException(file, "no such parameter file", "check the checkpoint path");
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            String magic;
            try {
                magic = in.readUTF();
            } catch (IOException e) {
                magic = null;
            }
            if (!MAGIC.equals(magic)) {
                throw new BadInputException(file, "not a unetscope parameter file", "give a file written by UNet.save");
            }
            int format = in.readInt();
            if (format != FORMAT) {
                throw new BadInputException(file, "parameter file format " + format + ", this build reads " + FORMAT,
                        "retrain or use the matching unetscope version");
            }
            String hash = in.readUTF();
            String line = in.readUTF();
            if (!hash.equals(expected.hash())) {
                throw new BadInputException(file, "parameters are for config " + hash + " [" + line + "] but config "
                        + expected.hash() + " [" + expected.canonical() + "] was expected",
                        "load it with the config it was trained with");
            }
            UNet net = build(expected); // initial values are overwritten
            try {
                net.block.loadParameters(net.manager(), in);
                if (in.read() != -1) throw new MalformedModelException("trailing bytes after the parameters");
                return net;
            } catch (IOException | MalformedModelException | EngineException | IllegalArgumentException
                     | IllegalStateException e) {
                net.close();
                throw new BadInputException(file, "parameters do not fit config " + expected.hash() + ": "
                        + e.getClass().getSimpleName() + ": " + e.getMessage(), "the file is damaged or from another network");
            }
        } catch (NoSuchFileException e) {
            throw new BadInputException(file, "no such parameter file", "check the checkpoint path", e);
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read parameters: " + e.getMessage(), "the file is damaged or truncated", e);
        }
    }

    @Override
    public String divergence() {
        return Divergence.ofParameters(block);
    }

    @Override
    public void close() {
        race.close();
        model.close();
    }

    private static int roundUp(int n, int m) {
        return ceilDiv(n, m) * m;
    }

    private static int ceilDiv(int n, int m) {
        return (n + m - 1) / m;
    }

    /** Pads each of {@code planes} d x h x w volumes to pd x ph x pw by repeating the last index. */
    static float[] padReplicate(float[] src, int planes, int d, int h, int w, int pd, int ph, int pw) {
        float[] dst = new float[planes * pd * ph * pw];
        for (int p = 0; p < planes; p++) {
            for (int z = 0; z < pd; z++) {
                int sz = Math.min(z, d - 1);
                for (int y = 0; y < ph; y++) {
                    int sy = Math.min(y, h - 1);
                    int so = ((p * d + sz) * h + sy) * w;
                    int dof = ((p * pd + z) * ph + y) * pw;
                    System.arraycopy(src, so, dst, dof, w);
                    for (int x = w; x < pw; x++) dst[dof + x] = src[so + w - 1];
                }
            }
        }
        return dst;
    }

    /** Keeps the first d x h x w of each of {@code planes} pd x ph x pw volumes. */
    static float[] crop(float[] src, int planes, int pd, int ph, int pw, int d, int h, int w) {
        if (pd == d && ph == h && pw == w) return src;
        float[] dst = new float[planes * d * h * w];
        for (int p = 0; p < planes; p++) {
            for (int z = 0; z < d; z++) {
                for (int y = 0; y < h; y++) {
                    System.arraycopy(src, ((p * pd + z) * ph + y) * pw, dst, ((p * d + z) * h + y) * w, w);
                }
            }
        }
        return dst;
    }
}
