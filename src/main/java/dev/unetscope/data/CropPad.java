package dev.unetscope.data;

import dev.unetscope.volume.Volume;

/** Crop or pad each axis to a target length about the centre; the affine's origin moves with the first voxel. */
public final class CropPad {
    private CropPad() {}

    public static Volume toShape(Volume v, int[] shape, float padValue) {
        int[] n = v.dims();
        int[] start = new int[3];
        boolean same = true;
        for (int a = 0; a < 3; a++) {
            start[a] = Math.floorDiv(n[a] - shape[a], 2); // negative: padding before
            if (n[a] != shape[a]) same = false;
        }
        if (same) return v;
        float[] src = v.data();
        float[] out = new float[shape[0] * shape[1] * shape[2]];
        for (int z = 0; z < shape[2]; z++) {
            int sz = z + start[2];
            for (int y = 0; y < shape[1]; y++) {
                int sy = y + start[1];
                for (int x = 0; x < shape[0]; x++) {
                    int sx = x + start[0];
                    boolean inside = sx >= 0 && sx < n[0] && sy >= 0 && sy < n[1] && sz >= 0 && sz < n[2];
                    out[x + shape[0] * (y + shape[1] * z)] = inside ? src[sx + n[0] * (sy + n[1] * sz)] : padValue;
                }
            }
        }
        double[] a = v.affine();
        for (int r = 0; r < 3; r++) {
            double shift = 0;
            for (int c = 0; c < 3; c++) shift += a[r * 4 + c] * start[c];
            a[r * 4 + 3] += shift;
        }
        return new Volume(shape[0], shape[1], shape[2], out, v.spacing(), a);
    }
}
