package dev.unetscope.volume;

import java.nio.ByteBuffer;

/**
 * The voxel element types we read (and may write), with their NIfTI-1 datatype codes and MetaImage
 * names. Every type is widened to double on decode so scaling happens before the cast to float.
 */
public enum DataType {
    UINT8("uint8", 2, "MET_UCHAR", 1),
    INT8("int8", 256, "MET_CHAR", 1),
    INT16("int16", 4, "MET_SHORT", 2),
    UINT16("uint16", 512, "MET_USHORT", 2),
    INT32("int32", 8, "MET_INT", 4),
    UINT32("uint32", 768, "MET_UINT", 4),
    INT64("int64", 1024, "MET_LONG_LONG", 8),
    FLOAT32("float32", 16, "MET_FLOAT", 4),
    FLOAT64("float64", 64, "MET_DOUBLE", 8);

    private final String label;
    private final int niftiCode;
    private final String metaName;
    private final int bytes;

    DataType(String label, int niftiCode, String metaName, int bytes) {
        this.label = label;
        this.niftiCode = niftiCode;
        this.metaName = metaName;
        this.bytes = bytes;
    }

    /** Lower-case name as numpy spells it, e.g. "int16". */
    public String label() { return label; }
    public int niftiCode() { return niftiCode; }
    public String metaName() { return metaName; }
    public int bytes() { return bytes; }
    public boolean isInteger() { return this != FLOAT32 && this != FLOAT64; }

    /** The type with this NIfTI datatype code, or null if we do not read it. */
    public static DataType fromNiftiCode(int code) {
        for (DataType t : values()) if (t.niftiCode == code) return t;
        return null;
    }

    /** The type with this MetaImage ElementType, or null. MET_LONG/ULONG are 4 bytes in MetaIO. */
    public static DataType fromMetaName(String name) {
        for (DataType t : values()) if (t.metaName.equalsIgnoreCase(name)) return t;
        if ("MET_LONG".equalsIgnoreCase(name)) return INT32;
        if ("MET_ULONG".equalsIgnoreCase(name)) return UINT32;
        return null;
    }

    /** Reads one element at the buffer's absolute position {@code pos}, in the buffer's byte order. */
    public double decode(ByteBuffer b, int pos) {
        switch (this) {
            case UINT8: return b.get(pos) & 0xff;
            case INT8: return b.get(pos);
            case INT16: return b.getShort(pos);
            case UINT16: return b.getShort(pos) & 0xffff;
            case INT32: return b.getInt(pos);
            case UINT32: return b.getInt(pos) & 0xffffffffL;
            case INT64: return b.getLong(pos);
            case FLOAT32: return b.getFloat(pos);
            case FLOAT64: return b.getDouble(pos);
            default: throw new AssertionError(this);
        }
    }

    /**
     * Writes {@code v} at the buffer's current position. Integer types need an integral value in
     * range: silently rounding or clamping a mask would hide a bug upstream.
     */
    public void encode(ByteBuffer b, float v) {
        if (isInteger()) {
            if (v != Math.rint(v) || v < minValue() || v > maxValue()) {
                throw new IllegalArgumentException("value " + v + " does not fit " + label);
            }
        }
        switch (this) {
            case UINT8: case INT8: b.put((byte) (long) v); break;
            case INT16: case UINT16: b.putShort((short) (long) v); break;
            case INT32: case UINT32: b.putInt((int) (long) v); break;
            case INT64: b.putLong((long) v); break;
            case FLOAT32: b.putFloat(v); break;
            case FLOAT64: b.putDouble(v); break;
            default: throw new AssertionError(this);
        }
    }

    private double minValue() {
        switch (this) {
            case INT8: return Byte.MIN_VALUE;
            case INT16: return Short.MIN_VALUE;
            case INT32: return Integer.MIN_VALUE;
            case INT64: return Long.MIN_VALUE;
            default: return 0;
        }
    }

    private double maxValue() {
        switch (this) {
            case UINT8: return 255;
            case INT8: return Byte.MAX_VALUE;
            case INT16: return Short.MAX_VALUE;
            case UINT16: return 65535;
            case INT32: return Integer.MAX_VALUE;
            case UINT32: return 4294967295.0;
            default: return Long.MAX_VALUE;
        }
    }
}
