package dev.unetscope.data;

import dev.unetscope.volume.Volume;

/**
 * Resampling to a new voxel size over the same field of view. New voxel j sits at old continuous
 * index {@code (j + 0.5) * s - 0.5} with {@code s = newSpacing / oldSpacing}, so the outer voxel
 * edges stay where they were; the affine is updated to match.
 */
final class Resample {
    private Resample() {}

    static Volume linear(Volume v, double[] spacing) {
        return resample(v, spacing, true);
    }

    static Volume nearest(Volume v, double[] spacing) {
        return resample(v, spacing, false);
    }

    /** Voxels along an axis of {@code n} voxels of {@code spacing} mm once resampled to {@code target} mm. */
    static int size(int n, double spacing, double target) {
        return Math.max(1, (int) Math.round(n / (target / spacing)));
    }

    private static Volume resample(Volume v, double[] target, boolean linear) {
        double[] sp = v.spacing();
        int[] n = v.dims();
        int[] m = new int[3];
        double[] s = new double[3];
        boolean same = true;
        for (int a = 0; a < 3; a++) {
            s[a] = target[a] / sp[a];
            m[a] = size(n[a], sp[a], target[a]);
            if (Math.abs(s[a] - 1) > 1e-9) same = false;
        }
        if (same) return v;
        float[] src = v.data();
        float[] out = new float[m[0] * m[1] * m[2]];
        int nx = n[0], ny = n[1], nz = n[2];
        for (int z = 0; z < m[2]; z++) {
            double fz = clamp((z + 0.5) * s[2] - 0.5, nz);
            for (int y = 0; y < m[1]; y++) {
                double fy = clamp((y + 0.5) * s[1] - 0.5, ny);
                for (int x = 0; x < m[0]; x++) {
                    double fx = clamp((x + 0.5) * s[0] - 0.5, nx);
                    int o = x + m[0] * (y + m[1] * z);
                    if (!linear) {
                        out[o] = src[(int) Math.round(fx) + nx * ((int) Math.round(fy) + ny * (int) Math.round(fz))];
                        continue;
                    }
                    int x0 = (int) Math.floor(fx), y0 = (int) Math.floor(fy), z0 = (int) Math.floor(fz);
                    int x1 = Math.min(x0 + 1, nx - 1), y1 = Math.min(y0 + 1, ny - 1), z1 = Math.min(z0 + 1, nz - 1);
                    double ax = fx - x0, ay = fy - y0, az = fz - z0;
                    double c00 = src[x0 + nx * (y0 + ny * z0)] * (1 - ax) + src[x1 + nx * (y0 + ny * z0)] * ax;
                    double c10 = src[x0 + nx * (y1 + ny * z0)] * (1 - ax) + src[x1 + nx * (y1 + ny * z0)] * ax;
                    double c01 = src[x0 + nx * (y0 + ny * z1)] * (1 - ax) + src[x1 + nx * (y0 + ny * z1)] * ax;
                    double c11 = src[x0 + nx * (y1 + ny * z1)] * (1 - ax) + src[x1 + nx * (y1 + ny * z1)] * ax;
                    double c0 = c00 * (1 - ay) + c10 * ay, c1 = c01 * (1 - ay) + c11 * ay;
                    out[o] = (float) (c0 * (1 - az) + c1 * az);
                }
            }
        }
        double[] a = v.affine();
        double[] na = a.clone();
        for (int r = 0; r < 3; r++) {
            double shift = 0;
            for (int c = 0; c < 3; c++) {
                na[r * 4 + c] = a[r * 4 + c] * s[c];
                shift += a[r * 4 + c] * (s[c] - 1) / 2;
            }
            na[r * 4 + 3] = a[r * 4 + 3] + shift;
        }
        return new Volume(m[0], m[1], m[2], out, target, na);
    }

    private static double clamp(double f, int n) {
        return Math.max(0, Math.min(n - 1, f));
    }
}
