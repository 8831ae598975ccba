package dev.unetscope.model;

import dev.unetscope.io.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SafeTensorsTest {
    @TempDir
    Path tmp;

    /** A file with this header JSON and these data bytes, as the format lays it out. */
    private Path file(String name, String header, byte[] data) throws Exception {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        Path f = tmp.resolve(name);
        Files.write(f, b.array());
        return f;
    }

    private static byte[] le(int bytes, java.util.function.Consumer<ByteBuffer> fill) {
        ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
        fill.accept(b);
        return b.array();
    }

    @Test
    void writesAndReadsBackInOrderWithShapesScalarsAndMetadata() throws Exception {
        Path f = tmp.resolve("a.safetensors");
        SafeTensors.write(f, List.of(
                new SafeTensors.Tensor("b.weight", SafeTensors.DType.F32, new long[] {2, 3}, new float[] {1, -2, 3.5f, 0, 1e-8f, -0f}),
                new SafeTensors.Tensor("a.count", SafeTensors.DType.I64, new long[0], new float[] {7})), Map.of("format", "pt"));
        byte[] bytes = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(n % 8).isZero();
        assertThat(bytes.length).isEqualTo(8 + n + 6 * 4 + 8);
        assertThat(new String(bytes, 8, (int) n, StandardCharsets.UTF_8)).contains("\"__metadata__\":{\"format\":\"pt\"}")
                .contains("\"a.count\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[24,32]}");
        Map<String, SafeTensors.Tensor> t = SafeTensors.read(f);
        assertThat(t.keySet()).containsExactly("b.weight", "a.count");
        assertThat(t.get("b.weight").shape()).containsExactly(2, 3);
        assertThat(t.get("b.weight").values()).containsExactly(1, -2, 3.5f, 0, 1e-8f, -0f);
        assertThat(t.get("a.count").shape()).isEmpty();
        assertThat(t.get("a.count").values()).containsExactly(7);
        assertThat(tmp.toFile().list()).containsExactly("a.safetensors"); // atomic: no temporary left
    }

    @Test
    void readsF64F16AndBf16AsFloat() throws Exception {
        byte[] data = new byte[16 + 6 + 4];
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        b.putDouble(0.1).putDouble(-3);
        b.putShort((short) 0x3c00).putShort((short) 0xc100).putShort((short) 0x0001); // 1, -2.5, smallest subnormal
        b.putShort((short) 0x3f80).putShort((short) 0xc020); // bf16 1, -2.5
        Path f = file("mixed.safetensors", "{\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[16,22]},"
                + "\"bf\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[22,26]}}", data);
        Map<String, SafeTensors.Tensor> t = SafeTensors.read(f);
        assertThat(t.get("d").values()).containsExactly(0.1f, -3f);
        assertThat(t.get("h").values()).containsExactly(1f, -2.5f, (float) Math.pow(2, -24));
        assertThat(t.get("bf").values()).containsExactly(1f, -2.5f);
    }

    @Test
    void damagedFilesAreOneLineNamingFileAndTensor() throws Exception {
        byte[] four = le(8, b -> b.putFloat(1).putFloat(2));
        String ok = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        Path good = file("good.safetensors", ok, four);
        assertThat(SafeTensors.read(good).get("w").values()).containsExactly(1, 2);

        Path truncated = tmp.resolve("truncated.safetensors");
        byte[] g = Files.readAllBytes(good);
        Files.write(truncated, Arrays.copyOf(g, g.length - 4));
        expect(truncated, "tensor 'w' has data_offsets [0, 8] outside the 4 data bytes (truncated?)");

        Path tiny = tmp.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        expect(tiny, "not a safetensors file: 3 bytes");

        Path headerTooLong = tmp.resolve("long.safetensors");
        Files.write(headerTooLong, le(16, b -> b.putLong(1000).putLong(0)));
        expect(headerTooLong, "header length 1000 but the file has 8 bytes after it");

        expect(file("json.safetensors", "{not json}", four), "safetensors header is not JSON");
        expect(file("dtype.safetensors", ok.replace("F32", "I8"), four), "tensor 'w' has dtype 'I8'");
        expect(file("size.safetensors", ok.replace("[2]", "[3]"), four), "tensor 'w' has 8 data bytes but F32 [3] needs 12");
        expect(file("offsets.safetensors", ok.replace("[0,8]", "[4,12]"), four), "tensor 'w' has data_offsets [4, 12] outside");
        expect(file("noshape.safetensors", "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", four), "tensor 'w' lacks a shape array");
        expect(tmp.resolve("missing.safetensors"), "no such safetensors file");
    }

    private static void expect(Path f, String fault) {
        assertThatThrownBy(() -> SafeTensors.read(f)).isInstanceOf(BadInputException.class)
                .hasMessageStartingWith(f + ": ").hasMessageContaining(fault).hasMessageNotContaining("\n");
    }

    @Test
    void monaiWeightsAreCheckedAgainstTheConfigTensorByTensor() throws Exception {
        UNetConfig cfg = UNetConfig.defaults().withChannels(2, 4, 8);
        Path f = tmp.resolve("net.safetensors");
        try (UNet net = UNet.create(cfg, 1)) {
            net.toMonaiWeights(f);
        }
        Map<String, SafeTensors.Tensor> all = SafeTensors.read(f);
        assertThat(all).hasSize(new ResidualUNet(cfg).monaiTensors().size());
        try (UNet back = UNet.fromMonaiWeights(f, cfg)) {
            assertThat(back.config()).isEqualTo(cfg);
        }
        String missingName = "model.1.submodule.2.0.adn.A.weight";
        Path missing = rewrite("missing.safetensors", all, missingName, null);
        assertThatThrownBy(() -> UNet.fromMonaiWeights(missing, cfg)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("checkpoint is from another architecture: tensor " + missingName + " (1) is missing")
                .hasMessageContaining("--channels/--strides/--res-units").hasMessageNotContaining("\n");
        Path extra = rewrite("extra.safetensors", all, "model.9.weight", new SafeTensors.Tensor("model.9.weight", SafeTensors.DType.F32, new long[] {1}, new float[1]));
        assertThatThrownBy(() -> UNet.fromMonaiWeights(extra, cfg)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("tensor model.9.weight is not in " + cfg.canonical());
        String slope = "model.0.conv.unit0.adn.A.weight";
        Path wide = rewrite("wide.safetensors", all, slope, new SafeTensors.Tensor(slope, SafeTensors.DType.F32, new long[] {2}, new float[2]));
        assertThatThrownBy(() -> UNet.fromMonaiWeights(wide, cfg)).isInstanceOf(BadInputException.class)
                .hasMessageContaining(wide.toString()).hasMessageContaining("tensor " + slope + " has shape (2) but").hasMessageContaining("needs (1)");
        assertThatThrownBy(() -> UNet.fromMonaiWeights(f, cfg.withStrides(2, 1))).isInstanceOf(BadInputException.class)
                .hasMessageContaining("checkpoint is from another architecture");
    }

    /** The same tensors with {@code name} dropped (replacement null), replaced, or added. */
    private Path rewrite(String file, Map<String, SafeTensors.Tensor> all, String name, SafeTensors.Tensor replacement) {
        List<SafeTensors.Tensor> out = new java.util.ArrayList<>();
        for (SafeTensors.Tensor t : all.values()) if (!t.name().equals(name)) out.add(t);
        if (replacement != null) out.add(replacement);
        Path f = tmp.resolve(file);
        SafeTensors.write(f, out, null);
        return f;
    }
}
