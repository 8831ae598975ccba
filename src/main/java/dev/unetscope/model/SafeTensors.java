package dev.unetscope.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.unetscope.io.AtomicFile;
import dev.unetscope.io.BadInputException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code .safetensors} format (Hugging Face), read and written by hand so PyTorch/MONAI weights
 * travel without pickles: an 8-byte little-endian header length N, N bytes of JSON
 * {@code {"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {...}}},
 * then the raw little-endian data, offsets relative to its start. Reading converts F32, F64, F16,
 * BF16 and I64 to float; writing writes F32 (and I64 for integer counters).
 */
public final class SafeTensors {
    private SafeTensors() {}

    /** Element types read here, with their byte sizes. */
    public enum DType {
        F32(4), F64(8), F16(2), BF16(2), I64(8);

        final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }
    }

    /** One tensor: name, element type in the file, shape (empty for a scalar), values row-major. */
    public record Tensor(String name, DType dtype, long[] shape, float[] values) {
        public Tensor {
            shape = shape.clone();
            if (count(shape) != values.length) {
                throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " needs "
                        + count(shape) + " values, got " + values.length);
            }
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FIX = "write it again with safetensors' save_file, or UNet.toMonaiWeights";

    /** All tensors in header order; the metadata is dropped. Any damage is a one-line {@link BadInputException}. */
    public static Map<String, Tensor> read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new BadInputException(file, "no such safetensors file", "check the path", e);
        } catch (IOException e) {
            throw new BadInputException(file, "cannot read: " + e.getMessage(), "check the file", e);
        }
        if (bytes.length < 8) throw new BadInputException(file, "not a safetensors file: " + bytes.length + " bytes, shorter than its 8-byte header length", FIX);
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long n = buf.getLong(0);
        if (n < 2 || n > bytes.length - 8L) {
            throw new BadInputException(file, "not a safetensors file or truncated: header length " + n
                    + " but the file has " + (bytes.length - 8) + " bytes after it", FIX);
        }
        JsonNode header;
        try {
            header = JSON.readTree(new String(bytes, 8, (int) n, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new BadInputException(file, "safetensors header is not JSON: " + e.getOriginalMessage(), FIX);
        }
        if (header == null || !header.isObject()) throw new BadInputException(file, "safetensors header is not a JSON object", FIX);
        int base = 8 + (int) n;
        long dataLength = bytes.length - base;
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            if (name.equals("__metadata__")) continue;
            JsonNode t = e.getValue();
            String where = "tensor '" + name + "'";
            DType dtype;
            try {
                dtype = DType.valueOf(t.path("dtype").asText(""));
            } catch (IllegalArgumentException ex) {
                throw new BadInputException(file, where + " has dtype '" + t.path("dtype").asText("") + "', readable are "
                        + Arrays.toString(DType.values()), "save the weights as float32");
            }
            JsonNode sh = t.path("shape"), off = t.path("data_offsets");
            if (!sh.isArray() || !off.isArray() || off.size() != 2) {
                throw new BadInputException(file, where + " lacks a shape array or a [begin, end] data_offsets pair", FIX);
            }
            long[] shape = new long[sh.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = sh.get(i).canConvertToLong() ? sh.get(i).asLong() : -1;
                if (shape[i] < 0) throw new BadInputException(file, where + " has shape " + sh, FIX);
            }
            long begin = off.get(0).asLong(-1), end = off.get(1).asLong(-1);
            long need = count(shape) * dtype.bytes;
            if (begin < 0 || end < begin || end > dataLength) {
                throw new BadInputException(file, where + " has data_offsets [" + begin + ", " + end + "] outside the "
                        + dataLength + " data bytes (truncated?)", FIX);
            }
            if (end - begin != need) {
                throw new BadInputException(file, where + " has " + (end - begin) + " data bytes but " + dtype + " "
                        + sh + " needs " + need, FIX);
            }
            out.put(name, new Tensor(name, dtype, shape, decode(buf, base + (int) begin, (int) count(shape), dtype)));
        }
        return out;
    }

    private static float[] decode(ByteBuffer buf, int at, int n, DType dtype) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = switch (dtype) {
                case F32 -> buf.getFloat(at + 4 * i);
                case F64 -> (float) buf.getDouble(at + 8 * i);
                case I64 -> (float) buf.getLong(at + 8 * i);
                case F16 -> halfToFloat(buf.getShort(at + 2 * i));
                case BF16 -> Float.intBitsToFloat((buf.getShort(at + 2 * i) & 0xffff) << 16);
            };
        }
        return v;
    }

    /** IEEE 754 binary16 to float (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short h) {
        int sign = (h >>> 15) & 1, exp = (h >>> 10) & 0x1f, mant = h & 0x3ff;
        float v = exp == 0 ? mant * 0x1p-24f                                         // subnormal
                : exp == 31 ? (mant == 0 ? Float.POSITIVE_INFINITY : Float.NaN)
                : Float.intBitsToFloat((exp + 112) << 23 | mant << 13);
        return sign == 0 ? v : -v;
    }

    /** Writes the tensors in order (F32, or I64 for integer counters) with string metadata, atomically. */
    public static void write(Path file, List<Tensor> tensors, Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Tensor t : tensors) {
            if (t.dtype() != DType.F32 && t.dtype() != DType.I64) throw new IllegalArgumentException("writes F32 and I64 only: " + t.name());
            ObjectNode o = header.putObject(t.name());
            o.put("dtype", t.dtype().name());
            ArrayNode sh = o.putArray("shape");
            for (long s : t.shape()) sh.add(s);
            long size = (long) t.values().length * t.dtype().bytes;
            o.putArray("data_offsets").add(offset).add(offset + size);
            offset += size;
        }
        byte[] head;
        try {
            head = JSON.writeValueAsBytes(header);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        int pad = (8 - head.length % 8) % 8; // the reference writer pads the header with spaces to 8 bytes
        byte[] padded = Arrays.copyOf(head, head.length + pad);
        Arrays.fill(padded, head.length, padded.length, (byte) ' ');
        AtomicFile.write(file, out -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded.length);
            out.write(len.array());
            out.write(padded);
            ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (Tensor t : tensors) {
                for (float v : t.values()) {
                    if (chunk.remaining() < 8) {
                        out.write(chunk.array(), 0, chunk.position());
                        chunk.clear();
                    }
                    if (t.dtype() == DType.F32) chunk.putFloat(v);
                    else chunk.putLong((long) v);
                }
            }
            out.write(chunk.array(), 0, chunk.position());
        });
    }

    static long count(long[] shape) {
        long c = 1;
        for (long s : shape) c *= s;
        return c;
    }

    /** Shape as PyTorch prints it, e.g. (16, 1, 3, 3, 3). */
    static String shapeText(long[] shape) {
        return Arrays.toString(shape).replace('[', '(').replace(']', ')');
    }
}
