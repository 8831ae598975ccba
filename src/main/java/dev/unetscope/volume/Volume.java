package dev.unetscope.volume;

import java.util.Arrays;

/**
 * A 3D scalar image: float voxels stored x fastest ({@code i = x + nx * (y + ny * z)}), the voxel
 * size in millimetres, and the 4x4 voxel-to-world affine (row-major, NIfTI/RAS+ convention as read).
 * Voxel arrays are shared, not copied: treat a Volume as immutable once built.
 */
public final class Volume {
    private final int nx, ny, nz;
    private final float[] data;
    private final double[] spacing;
    private final double[] affine;

    public Volume(int nx, int ny, int nz, float[] data, double[] spacing, double[] affine) {
        if (nx <= 0 || ny <= 0 || nz <= 0) throw new IllegalArgumentException("dims must be positive: " + nx + "x" + ny + "x" + nz);
        if ((long) nx * ny * nz != data.length) throw new IllegalArgumentException("data length " + data.length + " != " + nx + "*" + ny + "*" + nz);
        if (spacing.length != 3) throw new IllegalArgumentException("spacing needs 3 values");
        if (affine.length != 16) throw new IllegalArgumentException("affine needs 16 values");
        this.nx = nx; this.ny = ny; this.nz = nz;
        this.data = data;
        this.spacing = spacing.clone();
        this.affine = affine.clone();
    }

    /** A volume of zeros whose affine is diag(spacing) with the origin at voxel (0,0,0). */
    public static Volume zeros(int nx, int ny, int nz, double[] spacing) {
        return new Volume(nx, ny, nz, new float[Math.multiplyExact(Math.multiplyExact(nx, ny), nz)], spacing, diagonalAffine(spacing));
    }

    public static double[] diagonalAffine(double[] spacing) {
        double[] a = new double[16];
        a[0] = spacing[0]; a[5] = spacing[1]; a[10] = spacing[2]; a[15] = 1;
        return a;
    }

    public int nx() { return nx; }
    public int ny() { return ny; }
    public int nz() { return nz; }
    public int[] dims() { return new int[] {nx, ny, nz}; }
    public int size() { return data.length; }
    /** The voxel array itself (not a copy). */
    public float[] data() { return data; }
    public double[] spacing() { return spacing.clone(); }
    public double[] affine() { return affine.clone(); }

    public int index(int x, int y, int z) { return x + nx * (y + ny * z); }
    public float get(int x, int y, int z) { return data[index(x, y, z)]; }
    public void set(int x, int y, int z, float v) { data[index(x, y, z)] = v; }

    /** The same grid (dims, spacing, affine) with other voxels. */
    public Volume withData(float[] newData) {
        return new Volume(nx, ny, nz, newData, spacing, affine);
    }

    public Volume copy() {
        return withData(data.clone());
    }

    public boolean sameDims(Volume o) {
        return nx == o.nx && ny == o.ny && nz == o.nz;
    }

    /** Same dims, and spacing and affine equal within {@code tol} (mm). */
    public boolean sameGrid(Volume o, double tol) {
        if (!sameDims(o)) return false;
        for (int i = 0; i < 3; i++) if (Math.abs(spacing[i] - o.spacing[i]) > tol) return false;
        for (int i = 0; i < 16; i++) if (Math.abs(affine[i] - o.affine[i]) > tol) return false;
        return true;
    }

    public String dimsString() {
        return nx + "x" + ny + "x" + nz;
    }

    @Override
    public String toString() {
        return "Volume[" + dimsString() + ", spacing=" + Arrays.toString(spacing) + "]";
    }
}
