package dev.unetscope.model;

import ai.djl.Device;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.unetscope.io.BadInputException;
import dev.unetscope.io.FileHash;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A network the user trained elsewhere, exported as a traced TorchScript module whose
 * {@code forward(x)} returns {@code (output, tap_1, ..., tap_n)}, described by its sidecar
 * ({@link TorchScriptSidecar}). Loaded and run by the same PyTorch engine as the built-in UNet.
 *
 * <p>Every forward pass is checked against the sidecar: 1 + n tensors, the output with the
 * sidecar's channels at the (padded) input size, each tap with its channels at the input size
 * divided by its stride. Probabilities are the sigmoid of the foreground channel or the sum of the
 * softmax over the foreground channels. NaN outputs are let through as NaN probabilities, so
 * the scores downstream become NaN with a reason instead of the run stopping.
 */
public final class TorchScriptNetwork implements SegmentationNetwork {

    private final Path file;
    private final TorchScriptSidecar sidecar;
    private final String sha256;
    private final NDManager manager;
    private final PtSymbolBlock block;
    private final List<Tap> taps;

    private TorchScriptNetwork(Path file, TorchScriptSidecar sidecar, String sha256, NDManager manager, PtSymbolBlock block) {
        this.file = file;
        this.sidecar = sidecar;
        this.sha256 = sha256;
        this.manager = manager;
        this.block = block;
        List<Tap> t = new ArrayList<>();
        for (TorchScriptSidecar.TapSpec s : sidecar.taps()) t.add(new Tap(s.name(), s.channels(), s.stride()));
        this.taps = List.copyOf(t);
        int[] channels = new int[taps.size() + 1];
        for (int i = 0; i < taps.size(); i++) channels[i] = taps.get(i).channels();
        channels[taps.size()] = sidecar.inputChannels();
        this.race = ChannelRaceGuard.enter(channels);
    }

    private final ChannelRaceGuard race;

    /**
     * Loads {@code pt} with its sidecar ({@code NAME.json} beside it). When {@code expectedSha256} is
     * given, a file whose SHA-256 differs (changed after import) is refused in one line.
     */
    public static TorchScriptNetwork load(Path pt, String expectedSha256) {
        return load(pt, TorchScriptSidecar.beside(pt), expectedSha256);
    }

    public static TorchScriptNetwork load(Path pt, Path sidecarFile, String expectedSha256) {
        if (!Files.isRegularFile(pt)) throw new BadInputException(pt, "no such TorchScript file", "check the path");
        String sha = sha256(pt);
        if (expectedSha256 != null && !expectedSha256.equalsIgnoreCase(sha)) {
            throw new BadInputException(pt, "changed since it was imported (sha256 " + sha.substring(0, 12) + ", imported "
                    + expectedSha256.substring(0, Math.min(12, expectedSha256.length())) + ")", "import the new file as a new run");
        }
        NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        try {
            PtSymbolBlock block;
            try {
                // parameters as ordinary tensors (not inference tensors, which autograd refuses to save), then
                // frozen: the input gradient of tapInputGradient is the only one ever wanted
                block = JniUtils.loadModule((PtNDManager) manager, pt, false, new String[0], new String[0], true);
                for (var p : block.getParameters()) p.getValue().getArray().setRequiresGradient(false);
            } catch (EngineException | IllegalArgumentException e) {
                throw new BadInputException(pt, "not a TorchScript file PyTorch can load: " + reason(e.getMessage()),
                        "export the network with torch.jit.trace (the exporter does)", e);
            }
            try {
                TorchScriptSidecar sc = TorchScriptSidecar.read(sidecarFile);
                if (sc.sha256() != null && !sc.sha256().equalsIgnoreCase(sha)) {
                    throw new BadInputException(sidecarFile, "is for another file: its sha256 " + abbrev(sc.sha256()) + " is not "
                            + pt.getFileName() + "'s " + abbrev(sha), "export the network again, which writes both together");
                }
                return new TorchScriptNetwork(pt, sc, sha, manager, block);
            } catch (RuntimeException e) {
                block.close();
                throw e;
            }
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    public Path file() {
        return file;
    }

    public TorchScriptSidecar sidecar() {
        return sidecar;
    }

    /** SHA-256 of the loaded file, hex. */
    public String sha256() {
        return sha256;
    }

    @Override
    public int inChannels() {
        return sidecar.inputChannels();
    }

    @Override
    public List<Tap> taps() {
        return taps;
    }

    @Override
    public int[] sizeDivisor() {
        return sidecar.sizeDivisor().clone();
    }

    /**
     * One forward pass on a small input ({@link #checkSize} on each axis) with every tap: checks
     * that the module returns what the sidecar says. Faults are one-line {@link BadInputException}s.
     */
    public void check() {
        int[] m = sidecar.sizeDivisor();
        int d = checkSize(m[0]), h = checkSize(m[1]), w = checkSize(m[2]);
        float[] x = new float[inChannels() * d * h * w];
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        infer(x, 1, d, h, w, Set.copyOf(tapNames()));
    }

    @Override
    public Inference infer(float[] volumes, int batch, int d, int h, int w, Set<String> wantedTaps) {
        int cin = inChannels();
        if (batch < 1 || d < 1 || h < 1 || w < 1) {
            throw new IllegalArgumentException("batch and dims must be positive: " + batch + " x " + d + " x " + h + " x " + w);
        }
        long expected = (long) batch * cin * d * h * w;
        if (volumes.length != expected) {
            throw new IllegalArgumentException("expected " + batch + " x " + cin + " x " + d + " x " + h + " x " + w
                    + " = " + expected + " voxels, got " + volumes.length);
        }
        Set<String> wanted = wantedTaps == null ? Set.of() : wantedTaps;
        taps(wanted); // refuses an unknown tap name
        int[] m = sidecar.sizeDivisor();
        int pd = roundUp(d, m[0]), ph = roundUp(h, m[1]), pw = roundUp(w, m[2]);
        float[] input = (pd == d && ph == h && pw == w) ? volumes : UNet.padReplicate(volumes, batch * cin, d, h, w, pd, ph, pw);
        Path side = TorchScriptSidecar.beside(file);
        String size = batch + "x" + cin + "x" + pd + "x" + ph + "x" + pw;

        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager step = manager.newSubManager()) {
            NDArray x = EngineInput.of(step, input, new Shape(batch, cin, pd, ph, pw));
            NDList out;
            try {
                out = block.forward(new ParameterStore(step, false), new NDList(x), false);
            } catch (EngineException e) {
                throw new BadInputException(file, "the model rejects input " + size + " (padded to a multiple of the size divisor "
                        + TorchScriptSidecar.axes(m) + " from " + side.getFileName() + "): " + reason(e.getMessage()),
                        "set size_divisor in the sidecar to the product of the network's strides per axis", e);
            }
            for (NDArray a : out) a.attach(step);
            int n = sidecar.taps().size();
            if (out.size() != 1 + n) {
                throw new BadInputException(side, "lists " + n + " taps but the model returns " + out.size() + " tensors (output + "
                        + (out.size() - 1) + " taps)", "export again so that forward returns (output, tap_1, ..., tap_n) as the sidecar lists them");
            }
            int cout = sidecar.outputs().channels();
            checkShape(side, "the output", out.get(0).getShape(), batch, cout, pd, ph, pw, size);
            float[] prob = crop(probabilities(out.get(0).toType(ai.djl.ndarray.types.DataType.FLOAT32, false)).toFloatArray(),
                    batch, pd, ph, pw, d, h, w);
            Map<String, TapFeatures> taps = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                Tap t = this.taps.get(i);
                Shape s = out.get(1 + i).getShape();
                checkTap(side, t, s, batch, pd, ph, pw, size);
                if (!wanted.contains(t.name())) continue;
                int td = ceilDiv(d, t.sd()), th = ceilDiv(h, t.sh()), tw = ceilDiv(w, t.sw());
                float[] data = crop(out.get(1 + i).toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray(),
                        batch * t.channels(), pd / t.sd(), ph / t.sh(), pw / t.sw(), td, th, tw);
                taps.put(t.name(), new TapFeatures(t.name(), t.channels(), td, th, tw, data));
            }
            return new Inference(prob, Collections.unmodifiableMap(taps));
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    /**
     * The input gradients of taps ({@link SegmentationNetwork#tapInputGradients}), one forward pass for
     * all: the loaded module, kept in eval mode, run with autograd on (DJL's forward with
     * {@code training=false} runs the module under a no-grad guard, so the engine's forward is called
     * with gradients on but without switching the module to training mode), then one backward pass per
     * tap. A module whose taps do not depend on the input differentiably is refused with the reason.
     */
    @Override
    public Map<String, float[]> tapInputGradients(float[] volumes, int batch, int d, int h, int w, Map<String, float[]> cotangents) {
        Map<String, Tap> shapes = taps(cotangents.keySet());
        try {
            return InputGradient.of(manager, volumes, batch, inChannels(), d, h, w, sidecar.sizeDivisor(), shapes, cotangents, (step, x) -> {
                NDList out = ai.djl.pytorch.jni.IValueUtils.forward(block, new NDList(x), true);
                for (NDArray a : out) a.attach(step);
                if (out.size() != 1 + taps.size()) {
                    throw new BadInputException(TorchScriptSidecar.beside(file), "lists " + taps.size() + " taps but the model returns " + out.size() + " tensors",
                            "export again so that forward returns (output, tap_1, ..., tap_n) as the sidecar lists them");
                }
                Map<String, NDArray> all = new LinkedHashMap<>();
                for (int i = 0; i < taps.size(); i++) all.put(taps.get(i).name(), out.get(1 + i));
                return all;
            });
        } catch (EngineException e) {
            throw new UnsupportedOperationException(file.getFileName() + " gives no input gradients: " + reason(e.getMessage()), e);
        }
    }

    /**
     * Foreground probability per voxel (N x D x H x W) from N x C x D x H x W logits, computed by the
     * engine: sigmoid of the foreground channel, or the softmax's sum over the foreground channels.
     * A NaN logit gives a NaN probability.
     */
    private NDArray probabilities(NDArray logits) {
        int[] fg = sidecar.outputs().foreground();
        if ("sigmoid".equals(sidecar.outputs().activation())) return Activation.sigmoid(logits.get(":, " + fg[0]));
        NDArray p = logits.softmax(1);
        NDArray sum = p.get(":, " + fg[0]);
        for (int i = 1; i < fg.length; i++) sum = sum.add(p.get(":, " + fg[i]));
        return sum;
    }

    private static void checkShape(Path side, String what, Shape s, int batch, int c, int d, int h, int w, String size) {
        long[] want = {batch, c, d, h, w};
        if (!java.util.Arrays.equals(s.getShape(), want)) {
            throw new BadInputException(side, what + " is " + shapeText(s.getShape()) + " for input " + size + " but the sidecar means "
                    + shapeText(want), "export again so that the sidecar describes what forward returns");
        }
    }

    private static void checkTap(Path side, Tap t, Shape s, int batch, int d, int h, int w, String size) {
        long[] got = s.getShape();
        String hint = "export again so that the sidecar describes what forward returns";
        if (got.length != 5 || got[0] != batch) {
            throw new BadInputException(side, "tap '" + t.name() + "' is " + shapeText(got) + " for input " + size + ": not N x C x D x H x W", hint);
        }
        if (got[1] != t.channels()) {
            throw new BadInputException(side, "tap '" + t.name() + "' has " + got[1] + " channels but the sidecar says " + t.channels(), hint);
        }
        int[] in = {d, h, w};
        for (int a = 0; a < 3; a++) {
            if (got[2 + a] < 1 || in[a] % got[2 + a] != 0) {
                throw new BadInputException(side, "tap '" + t.name() + "' is " + got[2] + "x" + got[3] + "x" + got[4] + " for input "
                        + d + "x" + h + "x" + w + ": not the input divided by a whole stride per axis",
                        "tap only layers whose size is the input's divided by their stride (no unpadded convolutions)");
            }
        }
        int[] st = t.stride();
        for (int a = 0; a < 3; a++) {
            if (in[a] / got[2 + a] != st[a]) {
                throw new BadInputException(side, "tap '" + t.name() + "' is " + got[2] + "x" + got[3] + "x" + got[4] + " for input "
                        + d + "x" + h + "x" + w + ", stride " + (d / got[2]) + "x" + (h / got[3]) + "x" + (w / got[4])
                        + ", but the sidecar says " + TorchScriptSidecar.axes(st), hint);
            }
        }
    }

    private static String shapeText(long[] s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length; i++) b.append(i == 0 ? "" : "x").append(s[i]);
        return b.toString();
    }

    @Override
    public void close() {
        race.close();
        block.close();
        manager.close();
    }

    /** SHA-256 of a file, hex (one implementation: {@link FileHash}). */
    public static String sha256(Path file) {
        return FileHash.sha256(file);
    }

    private static String abbrev(String sha) {
        return sha.substring(0, Math.min(12, sha.length()));
    }

    /** The line of an engine message that says what failed: the last "...Error: ..." line, else the first line. */
    static String reason(String s) {
        if (s == null) return "";
        String[] lines = s.strip().split("\n");
        String line = lines[0].strip();
        for (String l : lines) if (l.matches("\\s*\\w*(Error|Exception): .*")) line = l.strip();
        return line.length() > 240 ? line.substring(0, 240) + "..." : line;
    }

    /** The check's input size on one axis: a multiple of the divisor, at least twice it and at least 8. */
    static int checkSize(int divisor) {
        return Math.max(2 * divisor, roundUp(8, divisor));
    }

    private static int roundUp(int n, int m) {
        return ceilDiv(n, m) * m;
    }

    private static int ceilDiv(int n, int m) {
        return (n + m - 1) / m;
    }

    private static float[] crop(float[] src, int planes, int pd, int ph, int pw, int d, int h, int w) {
        return UNet.crop(src, planes, pd, ph, pw, d, h, w);
    }
}
