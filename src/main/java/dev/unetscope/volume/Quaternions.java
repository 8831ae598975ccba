package dev.unetscope.volume;

/**
 * NIfTI-1 qform arithmetic: the quaternion (b, c, d; a implied), voxel sizes and qfac that encode a
 * rigid voxel-to-world affine, in both directions. Follows the NIfTI-1 standard's formulas
 * (nifti1.h, "METHOD 2"), which nibabel and nifti1_io implement the same way.
 */
final class Quaternions {
    private Quaternions() {}

    /** The qform parameters: quaternion b, c, d, the offset, and qfac (+1 or -1). */
    record QForm(double b, double c, double d, double qx, double qy, double qz, double qfac) {}

    /** The 4x4 row-major affine of a qform, with voxel sizes {@code pixdim[1..3]}. */
    static double[] toAffine(QForm q, double dx, double dy, double dz) {
        double b = q.b(), c = q.c(), d = q.d();
        double a2 = 1.0 - (b * b + c * c + d * d);
        // Stored b,c,d are float32, so a unit quaternion may give a tiny negative a^2: treat as 0 and
        // renormalise, as nifti1_io and nibabel do.
        double a = a2 > 0 ? Math.sqrt(a2) : 0;
        double norm = Math.sqrt(a * a + b * b + c * c + d * d);
        if (norm < 1e-12) { a = 1; b = 0; c = 0; d = 0; norm = 1; }
        a /= norm; b /= norm; c /= norm; d /= norm;
        double[] r = {
            a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c),
            2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b),
            2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - c * c - b * b};
        double[] s = {dx, dy, dz * (q.qfac() < 0 ? -1 : 1)};
        double[] m = new double[16];
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) m[4 * i + j] = r[3 * i + j] * s[j];
        }
        m[3] = q.qx(); m[7] = q.qy(); m[11] = q.qz(); m[15] = 1;
        return m;
    }

    /**
     * The qform nearest to an affine: columns are normalised, a reflection goes into qfac, and any
     * shear is removed by polar decomposition (a qform can only hold a rotation; the sform keeps the
     * exact affine).
     */
    static QForm fromAffine(double[] m) {
        double[] r = new double[9];
        for (int j = 0; j < 3; j++) {
            double n = Math.sqrt(sq(m[j]) + sq(m[4 + j]) + sq(m[8 + j]));
            for (int i = 0; i < 3; i++) r[3 * i + j] = n > 0 ? m[4 * i + j] / n : (i == j ? 1 : 0);
        }
        double qfac = 1;
        if (det(r) < 0) {
            qfac = -1;
            for (int i = 0; i < 3; i++) r[3 * i + 2] = -r[3 * i + 2];
        }
        r = orthogonalise(r);
        // Quaternion from a rotation matrix, choosing the largest pivot for stability; a >= 0.
        double a, b, c, d;
        double trace = r[0] + r[4] + r[8];
        if (trace > 0) {
            double s = 0.5 / Math.sqrt(trace + 1);
            a = 0.25 / s; b = (r[7] - r[5]) * s; c = (r[2] - r[6]) * s; d = (r[3] - r[1]) * s;
        } else if (r[0] > r[4] && r[0] > r[8]) {
            double s = 2 * Math.sqrt(1 + r[0] - r[4] - r[8]);
            a = (r[7] - r[5]) / s; b = 0.25 * s; c = (r[1] + r[3]) / s; d = (r[2] + r[6]) / s;
        } else if (r[4] > r[8]) {
            double s = 2 * Math.sqrt(1 + r[4] - r[0] - r[8]);
            a = (r[2] - r[6]) / s; b = (r[1] + r[3]) / s; c = 0.25 * s; d = (r[5] + r[7]) / s;
        } else {
            double s = 2 * Math.sqrt(1 + r[8] - r[0] - r[4]);
            a = (r[3] - r[1]) / s; b = (r[2] + r[6]) / s; c = (r[5] + r[7]) / s; d = 0.25 * s;
        }
        if (a < 0) { b = -b; c = -c; d = -d; }
        return new QForm(b, c, d, m[3], m[7], m[11], qfac);
    }

    /** Polar decomposition by Newton iteration Q <- (Q + Q^-T) / 2; converges fast for near-rotations. */
    private static double[] orthogonalise(double[] q) {
        for (int it = 0; it < 50; it++) {
            double[] inv = inverse(q);
            if (inv == null) return new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1};
            double[] next = new double[9];
            double change = 0;
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    next[3 * i + j] = 0.5 * (q[3 * i + j] + inv[3 * j + i]);
                    change += Math.abs(next[3 * i + j] - q[3 * i + j]);
                }
            }
            q = next;
            if (change < 1e-15) break;
        }
        return q;
    }

    private static double[] inverse(double[] m) {
        double det = det(m);
        if (Math.abs(det) < 1e-12) return null;
        double[] inv = {
            m[4] * m[8] - m[5] * m[7], m[2] * m[7] - m[1] * m[8], m[1] * m[5] - m[2] * m[4],
            m[5] * m[6] - m[3] * m[8], m[0] * m[8] - m[2] * m[6], m[2] * m[3] - m[0] * m[5],
            m[3] * m[7] - m[4] * m[6], m[1] * m[6] - m[0] * m[7], m[0] * m[4] - m[1] * m[3]};
        for (int i = 0; i < 9; i++) inv[i] /= det;
        return inv;
    }

    private static double det(double[] m) {
        return m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
    }

    private static double sq(double v) {
        return v * v;
    }
}
