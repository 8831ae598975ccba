package dev.unetscope.data.phantom;

import dev.unetscope.volume.Volume;

/** Measurements of a phantom case used to check and report how hard it is. */
public final class PhantomStats {
    private PhantomStats() {}

    /** Fraction of voxels with mask > 0.5. */
    public static double glandFraction(Volume mask) {
        float[] m = mask.data();
        long n = 0;
        for (float v : m) if (v > 0.5f) n++;
        return n / (double) m.length;
    }

    /**
     * Voxels outside the mask within {@code rxy} voxels in-plane and {@code rz} slices (a box) of a
     * mask voxel: the gland's immediate surround.
     */
    public static boolean[] shell(Volume mask, int rxy, int rz) {
        int nx = mask.nx(), ny = mask.ny(), nz = mask.nz();
        float[] m = mask.data();
        boolean[] s = new boolean[m.length];
        for (int z = 0; z < nz; z++)
            for (int y = 0; y < ny; y++)
                for (int x = 0; x < nx; x++) {
                    if (m[x + nx * (y + ny * z)] <= 0.5f) continue;
                    for (int dz = -rz; dz <= rz; dz++) {
                        int zz = z + dz;
                        if (zz < 0 || zz >= nz) continue;
                        for (int dy = -rxy; dy <= rxy; dy++) {
                            int yy = y + dy;
                            if (yy < 0 || yy >= ny) continue;
                            for (int dx = -rxy; dx <= rxy; dx++) {
                                int xx = x + dx;
                                if (xx < 0 || xx >= nx) continue;
                                int j = xx + nx * (yy + ny * zz);
                                if (m[j] <= 0.5f) s[j] = true;
                            }
                        }
                    }
                }
        return s;
    }

    /**
     * Gland-vs-surround contrast-to-noise ratio: (mean gland - mean shell) / sqrt((var gland + var
     * shell) / 2), with the shell of {@link #shell(Volume, int, int)} at 2 voxels in-plane and 1
     * slice (3 mm and 3.6 mm on the demo grid). The spread includes noise, texture and bias, i.e.
     * everything a voxel classifier has to see through.
     */
    public static double glandCnr(Volume image, Volume mask) {
        boolean[] sh = shell(mask, 2, 1);
        float[] im = image.data(), m = mask.data();
        double sg = 0, sg2 = 0, ss = 0, ss2 = 0;
        long ng = 0, ns = 0;
        for (int i = 0; i < im.length; i++) {
            double v = im[i];
            if (m[i] > 0.5f) { sg += v; sg2 += v * v; ng++; }
            else if (sh[i]) { ss += v; ss2 += v * v; ns++; }
        }
        if (ng < 2 || ns < 2) return Double.NaN;
        double mg = sg / ng, ms = ss / ns;
        double vg = sg2 / ng - mg * mg, vs = ss2 / ns - ms * ms;
        return (mg - ms) / Math.sqrt(Math.max(1e-12, (vg + vs) / 2));
    }
}
