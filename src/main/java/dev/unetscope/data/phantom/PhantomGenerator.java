package dev.unetscope.data.phantom;

import dev.unetscope.volume.Volume;

/**
 * Synthetic T2-weighted-like axial pelvic phantoms with a whole-gland mask.
 *
 * <p>Anatomy (world mm, origin at the volume centre; x left-right, y posterior to anterior, z
 * inferior to superior), laid out relative to the field of view: an elliptical body with a bright
 * subcutaneous fat ring; dark muscle inside it; a bright pelvic-fat cavity holding the organs; dark
 * levator-ani sling around gland and rectum; pubic bones anterior and femoral heads lateral (dark
 * cortex, fatty marrow); a bright fluid bladder (dark wall) anterior-superior to the gland; a rectum
 * posterior (intermediate wall; lumen with intermediate content or, at random, dark gas); and the
 * gland: a randomly deformed, tapered, tilted ellipsoid (radius perturbed by random polynomials of
 * degree 1-3 of the direction, a low-order spherical-harmonic-like perturbation), with a brighter
 * peripheral zone, a textured transition zone, a dark anterior fibromuscular stroma, and a thin
 * periprostatic layer whose signal wanders between muscle and gland levels, so the boundary is
 * ambiguous in places.
 *
 * <p>Partial volume is analytic: each structure is a level function sampled at voxel centres; its
 * grid gradient turns the level into a signed distance d (mm) and the normal's projection onto the
 * voxel box gives the footprint width w = sum |n_i| spacing_i, so the occupancy is
 * clamp(0.5 + d / w, 0, 1) (a box slice profile: a boundary crossing a thick slice smears over the
 * whole slice, as at apex and base). The mask is the true gland thresholded at occupancy 0.5, i.e.
 * the gland's level at the voxel centre.
 *
 * <p>Appearance, in this order (the order of {@code dev.unetscope.data.ShiftTransforms}, with the
 * same {@link AppearanceOps} primitives): gland contrast (shift gland_contrast), Gaussian blur
 * (blur), smooth multiplicative bias field exp(bias * 0.3 * F) with the case's own unit field F,
 * Rician noise of sigma {@code noise * BASE_NOISE * SIGNAL}, gamma, scale and offset.
 *
 * <p>Every random draw comes from streams seeded by (seed, index) alone: case i is the same whatever
 * the number of cases, and the anatomy, mask, bias field and noise pattern do not depend on the
 * shift (paired shifts: only appearance changes).
 */
public final class PhantomGenerator {
    /** Intensity of subcutaneous fat in output units (the neutral image's scale). */
    public static final double SIGNAL = 500.0;
    /** Rician noise sigma at noise=1, as a fraction of {@link #SIGNAL}. */
    public static final double BASE_NOISE = 0.055;

    // tissue signal levels, as fractions of SIGNAL
    static final double SC_FAT = 1.0, PELVIC_FAT = 0.86, MUSCLE = 0.26, CORTEX = 0.06, MARROW = 0.70,
            URINE = 1.30, BLADDER_WALL = 0.30, RECTAL_WALL = 0.40, RECTAL_CONTENT = 0.56, GAS = 0.03,
            LEVATOR = 0.22, PERI = 0.30, TZ = 0.42, PZ = 0.56, AFMS = 0.28;
    /** Surround level the gland contrast is scaled about (gland_contrast=0 gives the gland this level). */
    static final double SURROUND_REF = 0.34;

    private static final long ANATOMY = 0xA7A7L, BIAS = 0xB1A5L, NOISE = 0x7015EL;

    private final PhantomConfig cfg;

    public PhantomGenerator(PhantomConfig cfg) {
        this.cfg = cfg == null ? PhantomConfig.DEMO : cfg;
    }

    public PhantomConfig config() {
        return cfg;
    }

    /** Case {@code index} of the cohort {@code seed}, under the config's shift. */
    public PhantomCase generate(long seed, int index) {
        return generate(seed, index, cfg.shift());
    }

    /** Case {@code index} of the cohort {@code seed}, under {@code shift} (same anatomy for any shift). */
    public PhantomCase generate(long seed, int index, Shift shift) {
        if (shift == null) shift = Shift.NEUTRAL;
        Builder b = new Builder(cfg, AppearanceOps.mix(seed, index, ANATOMY));
        float[] clean = b.paint(shift.glandContrast());
        double[] sp = cfg.spacing();
        double[] affine = Volume.diagonalAffine(sp);
        affine[3] = -0.5 * (cfg.nx() - 1) * sp[0];
        affine[7] = -0.5 * (cfg.ny() - 1) * sp[1];
        affine[11] = -0.5 * (cfg.nz() - 1) * sp[2];
        Volume v = new Volume(cfg.nx(), cfg.ny(), cfg.nz(), clean, sp, affine);
        if (shift.blur() > 0) v = AppearanceOps.blurMm(v, AppearanceOps.blurSigmasMm(sp, shift.blur()));
        float[] field = AppearanceOps.unitBiasField(cfg.nx(), cfg.ny(), cfg.nz(), sp, AppearanceOps.mix(seed, index, BIAS));
        v = AppearanceOps.multiplyLogField(v, field, shift.bias() * AppearanceOps.BIAS_LOG_AMPLITUDE);
        v = AppearanceOps.addRician(v, shift.noise() * BASE_NOISE * SIGNAL, AppearanceOps.mix(seed, index, NOISE));
        if (shift.gamma() != 1) v = AppearanceOps.gamma(v, shift.gamma());
        if (shift.scale() != 1 || shift.offset() != 0) v = AppearanceOps.scaleOffset(v, shift.scale(), shift.offset());
        Volume mask = v.withData(b.mask());
        return new PhantomCase(String.format("phantom_%04d", index), v, mask);
    }

    // =====================================================================================

    @FunctionalInterface
    private interface Level {
        double at(double x, double y, double z);
    }

    /** Smooth value noise: N(0,1) values on a lattice of the given cell size (mm), smoothly interpolated. */
    private static final class Lattice {
        final int lx, ly, lz;
        final double x0, y0, z0, cell;
        final float[] v;

        Lattice(AppearanceOps.Gauss g, double ex, double ey, double ez, double cell) {
            this.cell = cell;
            lx = (int) Math.ceil(ex / cell) + 3; ly = (int) Math.ceil(ey / cell) + 3; lz = (int) Math.ceil(ez / cell) + 3;
            x0 = -0.5 * ex - cell; y0 = -0.5 * ey - cell; z0 = -0.5 * ez - cell;
            v = new float[lx * ly * lz];
            // interpolation with smoothstep weights shrinks the spread; 1.6 brings it back near 1
            for (int i = 0; i < v.length; i++) v[i] = (float) (1.6 * g.next());
        }

        double at(double x, double y, double z) {
            double fx = (x - x0) / cell, fy = (y - y0) / cell, fz = (z - z0) / cell;
            int ix = clampI((int) Math.floor(fx), lx - 2), iy = clampI((int) Math.floor(fy), ly - 2), iz = clampI((int) Math.floor(fz), lz - 2);
            double tx = smooth(fx - ix), ty = smooth(fy - iy), tz = smooth(fz - iz);
            int i = ix + lx * (iy + ly * iz);
            int sy = lx, sz = lx * ly;
            double c00 = v[i] + tx * (v[i + 1] - v[i]);
            double c10 = v[i + sy] + tx * (v[i + sy + 1] - v[i + sy]);
            double c01 = v[i + sz] + tx * (v[i + sz + 1] - v[i + sz]);
            double c11 = v[i + sy + sz] + tx * (v[i + sy + sz + 1] - v[i + sy + sz]);
            double c0 = c00 + ty * (c10 - c00), c1 = c01 + ty * (c11 - c01);
            return c0 + tz * (c1 - c0);
        }

        private static int clampI(int i, int hi) { return i < 0 ? 0 : Math.min(i, hi); }
        private static double smooth(double t) { t = Math.max(0, Math.min(1, t)); return t * t * (3 - 2 * t); }
    }

    /** Draws one case's anatomy and paints its clean signal and mask. */
    private static final class Builder {
        final int nx, ny, nz, n;
        final double sx, sy, sz, ex, ey, ez, L;
        final double[] wx, wy, wz;
        final AppearanceOps.Gauss g;

        // gland
        double gcx, gcy, gcz, ga, gb, gc, taper, flat;
        final double[] rot = new double[9];
        final double[] coef = new double[19];
        double tzcy, tzcz, tzrx, tzry, tzrz;
        Lattice tzTex, periTex, fatTex, muscleTex, contentTex;
        float[] glandLevel;

        Builder(PhantomConfig cfg, long seed) {
            nx = cfg.nx(); ny = cfg.ny(); nz = cfg.nz(); n = nx * ny * nz;
            sx = cfg.sx(); sy = cfg.sy(); sz = cfg.sz();
            ex = nx * sx; ey = ny * sy; ez = nz * sz;
            L = 0.5 * Math.min(ex, ey);
            wx = new double[nx]; wy = new double[ny]; wz = new double[nz];
            for (int i = 0; i < nx; i++) wx[i] = (i - 0.5 * (nx - 1)) * sx;
            for (int i = 0; i < ny; i++) wy[i] = (i - 0.5 * (ny - 1)) * sy;
            for (int i = 0; i < nz; i++) wz[i] = (i - 0.5 * (nz - 1)) * sz;
            g = new AppearanceOps.Gauss(seed);
        }

        double nrm(double s, double clip) { return Math.max(-clip, Math.min(clip, g.next())) * s; }

        float[] sample(Level f) {
            float[] a = new float[n];
            int i = 0;
            for (int z = 0; z < nz; z++) for (int y = 0; y < ny; y++) for (int x = 0; x < nx; x++, i++)
                a[i] = (float) f.at(wx[x], wy[y], wz[z]);
            return a;
        }

        /**
         * Occupancy in [0,1] from a level array (positive inside) by the analytic box partial volume:
         * with the level's grid gradient g (per mm) the signed distance is d = l / |g| and the box
         * footprint along the normal is w = sum |g_i| s_i / |g|, so d / w = l / sum |g_i| s_i, where
         * g_i s_i is simply the level's central difference per voxel along axis i.
         */
        float[] occupancy(float[] lv) {
            float[] o = new float[n];
            int sxy = nx * ny;
            int i = 0;
            for (int z = 0; z < nz; z++) {
                int zm = z == 0 ? 0 : sxy, zp = z == nz - 1 ? 0 : sxy;
                double zf = (zm == 0 || zp == 0) ? 1 : 0.5;
                for (int y = 0; y < ny; y++) {
                    int ym = y == 0 ? 0 : nx, yp = y == ny - 1 ? 0 : nx;
                    double yf = (ym == 0 || yp == 0) ? 1 : 0.5;
                    for (int x = 0; x < nx; x++, i++) {
                        int xm = x == 0 ? 0 : 1, xp = x == nx - 1 ? 0 : 1;
                        double xf = (xm == 0 || xp == 0) ? 1 : 0.5;
                        double l = lv[i];
                        double den = Math.abs(xf * (lv[i + xp] - lv[i - xm])) + Math.abs(yf * (lv[i + yp] - lv[i - ym]))
                                + Math.abs(zf * (lv[i + zp] - lv[i - zm]));
                        double occ;
                        if (den < 1e-12) occ = l > 0 ? 1 : 0;
                        else occ = 0.5 + l / den;
                        o[i] = (float) (occ <= 0 ? 0 : occ >= 1 ? 1 : occ);
                    }
                }
            }
            return o;
        }

        /** Paints a uniform tissue; {@code level} is a fraction of SIGNAL. */
        static void paint(float[] img, float[] occ, double level) {
            double value = SIGNAL * level;
            for (int i = 0; i < img.length; i++) { double o = occ[i]; if (o > 0) img[i] = (float) (img[i] * (1 - o) + o * value); }
        }

        static void paint(float[] img, float[] occ, float[] value) {
            for (int i = 0; i < img.length; i++) { double o = occ[i]; if (o > 0) img[i] = (float) (img[i] * (1 - o) + o * value[i]); }
        }

        static float[] min(float[] a, float[] b) {
            float[] o = new float[a.length];
            for (int i = 0; i < a.length; i++) o[i] = Math.min(a[i], b[i]);
            return o;
        }

        static Level ellipsoid(double cx, double cy, double cz, double rx, double ry, double rz) {
            return (x, y, z) -> {
                double u = (x - cx) / rx, v = (y - cy) / ry, w = (z - cz) / rz;
                return 1 - Math.sqrt(u * u + v * v + w * w);
            };
        }

        // ------------------------------------------------------------------ gland geometry

        void drawGland() {
            double vTotal = ex * ey * ez;
            double frac = 0.0115 + 0.007 * g.uniform();
            double ax = 1.22 * (1 + nrm(0.08, 2)), ay = 0.92 * (1 + nrm(0.08, 2)), az = 1.0 * (1 + nrm(0.1, 2));
            taper = 0.08 + 0.14 * g.uniform();
            flat = 0.05 + 0.12 * g.uniform();
            double[] amp = {0.03, 0.03, 0.03, 0.055, 0.055, 0.055, 0.04, 0.04, 0.04, 0.035, 0.035, 0.035, 0.035, 0.035, 0.035, 0.035, 0.035, 0.035, 0.035};
            double ms = 0;
            for (int i = 0; i < coef.length; i++) { coef[i] = nrm(amp[i], 2.5); ms += coef[i] * coef[i] * 0.2; }
            // volume of the perturbed, tapered, flattened ellipsoid relative to the plain one, roughly
            double volFactor = (1 + 3 * ms) * (1 + taper * taper / 3) * (1 - 0.4 * flat);
            double k = Math.cbrt(frac * vTotal / (4.0 / 3 * Math.PI * ax * ay * az * volFactor));
            ga = k * ax; gb = k * ay; gc = k * az;
            gcx = nrm(0.035 * L, 2);
            gcy = -0.06 * L + nrm(0.04 * L, 2);
            double zMargin = gc * 1.15 + 2 * sz;
            gcz = Math.max(-0.5 * ez + zMargin, Math.min(0.5 * ez - zMargin - 0.25 * ez, -0.08 * ez + nrm(0.05 * ez, 2)));
            double tx = 0.12 + nrm(0.15, 2), ty = nrm(0.07, 2), tzr = nrm(0.09, 2);
            // R = Rz * Ry * Rx
            double cxr = Math.cos(tx), sxr = Math.sin(tx), cyr = Math.cos(ty), syr = Math.sin(ty), czr = Math.cos(tzr), szr = Math.sin(tzr);
            double[] rx = {1, 0, 0, 0, cxr, -sxr, 0, sxr, cxr};
            double[] ry = {cyr, 0, syr, 0, 1, 0, -syr, 0, cyr};
            double[] rz = {czr, -szr, 0, szr, czr, 0, 0, 0, 1};
            double[] t = mul(rz, ry);
            System.arraycopy(mul(t, rx), 0, rot, 0, 9);
            // transition zone: anterior-superior, its size varies (BPH)
            double tzs = 0.62 + 0.22 * g.uniform();
            tzrx = tzs * (1 + nrm(0.06, 2)); tzry = tzs * 0.85; tzrz = tzs * (1 + nrm(0.06, 2));
            tzcy = 0.14 + nrm(0.04, 2); tzcz = 0.10 + nrm(0.05, 2);
        }

        static double[] mul(double[] a, double[] b) {
            double[] c = new double[9];
            for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) {
                double s = 0;
                for (int k = 0; k < 3; k++) s += a[3 * i + k] * b[3 * k + j];
                c[3 * i + j] = s;
            }
            return c;
        }

        /** Gland-local normalised coordinates q (R^T (p - c) / (a, b, c)) into out[0..2]. */
        void local(double x, double y, double z, double[] out) {
            double dx = x - gcx, dy = y - gcy, dz = z - gcz;
            out[0] = (rot[0] * dx + rot[3] * dy + rot[6] * dz) / ga;
            out[1] = (rot[1] * dx + rot[4] * dy + rot[7] * dz) / gb;
            out[2] = (rot[2] * dx + rot[5] * dy + rot[8] * dz) / gc;
        }

        /** Radius of the gland surface in direction u (unit vector in q space). */
        double radius(double ux, double uy, double uz) {
            double[] c = coef;
            double d = c[0] * ux + c[1] * uy + c[2] * uz
                    + c[3] * (ux * ux - 1.0 / 3) + c[4] * (uy * uy - 1.0 / 3) + c[5] * (uz * uz - 1.0 / 3)
                    + c[6] * ux * uy + c[7] * ux * uz + c[8] * uy * uz
                    + c[9] * ux * ux * ux + c[10] * uy * uy * uy + c[11] * uz * uz * uz
                    + c[12] * ux * ux * uy + c[13] * ux * ux * uz + c[14] * uy * uy * ux
                    + c[15] * uy * uy * uz + c[16] * uz * uz * ux + c[17] * uz * uz * uy + c[18] * ux * uy * uz;
            d = Math.max(-0.35, Math.min(0.35, d));
            double r = (1 + d) * (1 + taper * uz);
            if (uy < 0) r *= 1 - flat * (-uy) * (-uy) * (-uy);
            return r;
        }

        /** Normalised radius rho / R(u): < 1 inside the gland. */
        double glandRho(double x, double y, double z, double[] q) {
            local(x, y, z, q);
            double rho = Math.sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2]);
            if (rho < 1e-9) return 0;
            return rho / radius(q[0] / rho, q[1] / rho, q[2] / rho);
        }

        // ------------------------------------------------------------------ painting

        float[] paint(double glandContrast) {
            // fixed draw order: every draw happens whatever the shift
            drawGland();
            double bodyX = L * (0.93 + nrm(0.03, 2)), bodyY = L * (0.74 + nrm(0.04, 2)), bodyY0 = -0.03 * L;
            double fatAnt = L * (0.10 + 0.06 * g.uniform()), fatLat = L * (0.07 + 0.05 * g.uniform()), fatPost = L * (0.11 + 0.06 * g.uniform());
            double cavX = L * (0.50 + nrm(0.03, 2)), cavY = L * (0.46 + nrm(0.03, 2)), cavY0 = -0.12 * L;
            double rrx = L * (0.20 + nrm(0.02, 2)), rry = L * (0.13 + nrm(0.015, 2));
            double rcx = gcx + nrm(0.02 * L, 2);
            double rcy0 = gcy - gb * 0.92 - rry - 0.05 * L;
            double rWall = 0.065 * L;
            boolean gas = g.uniform() < 0.45;
            double gasLevel = nrm(0.4, 2);
            double blRx = L * (0.44 + nrm(0.04, 2)), blRy = L * (0.32 + nrm(0.03, 2)), blRz = L * (0.42 + nrm(0.05, 2));
            double blX = gcx + nrm(0.02 * L, 2), blY = gcy + 0.10 * L, blZ = gcz + gc * 0.65 + blRz * 0.85;
            double blWall = 0.06 * L;
            double pubY = gcy + gb + 0.24 * L, pubX = 0.10 * L, pubRx = 0.085 * L, pubRy = 0.11 * L, pubZ = gcz - 0.2 * gc, pubRz = 1.6 * gc;
            double femX = 0.70 * L, femY = gcy + 0.02 * L, femZ = gcz + gc + 0.25 * L, femR = 0.21 * L;
            double levThick = 0.07 * L;
            tzTex = new Lattice(g, ex, ey, ez, 0.16 * L);
            periTex = new Lattice(g, ex, ey, ez, 0.12 * L);
            fatTex = new Lattice(g, ex, ey, ez, 0.25 * L);
            muscleTex = new Lattice(g, ex, ey, ez, 0.15 * L);
            contentTex = new Lattice(g, ex, ey, ez, 0.10 * L);
            double periWidth = (0.10 + 0.03 * g.uniform()) * L;
            double periAmp = 0.09 + 0.03 * g.uniform();
            double pzLevel = PZ + nrm(0.03, 2), tzLevel = TZ + nrm(0.03, 2);

            float[] fatT = tex(fatTex);
            float[] img = new float[n];
            // body with subcutaneous fat
            Level body = (x, y, z) -> {
                double sc = 1 + 0.04 * z / (0.5 * ez);
                double u = x / (bodyX * sc), v = (y - bodyY0) / (bodyY * sc);
                return 1 - Math.sqrt(u * u + v * v);
            };
            paint(img, occupancy(sample(body)), scaled(fatT, SC_FAT, 0.04));
            // muscle inside the fat ring
            double inX = bodyX - fatLat, inY = bodyY - 0.5 * (fatAnt + fatPost), inY0 = bodyY0 + 0.5 * (fatPost - fatAnt);
            Level inner = (x, y, z) -> {
                double sc = 1 + 0.04 * z / (0.5 * ez);
                double u = x / (inX * sc), v = (y - inY0) / (inY * sc);
                return 1 - Math.sqrt(u * u + v * v);
            };
            float[] muscleVal = texField(muscleTex, MUSCLE, 0.12);
            paint(img, occupancy(sample(inner)), muscleVal);
            // bright fat plane in the posterior midline (natal cleft)
            paint(img, occupancy(sampleBox(ellipsoid(0, inY0 - inY * 0.85, 0, 0.06 * L, 0.25 * L, 10 * ez), 0, inY0 - inY * 0.85, 0, 0.06 * L, 0.25 * L, ez)),
                    scaled(fatT, PELVIC_FAT, 0.05));
            // pelvic fat cavity
            Level cavity = (x, y, z) -> {
                double u = x / cavX, v = (y - cavY0) / cavY;
                return 1 - Math.sqrt(u * u + v * v);
            };
            paint(img, occupancy(sample(cavity)), scaled(fatT, PELVIC_FAT, 0.06));
            // bones: femoral heads (upper levels) and pubic bodies (anterior, gland levels)
            for (int s = -1; s <= 1; s += 2) {
                final double fx = s * femX;
                paint(img, occupancy(sampleBox(ellipsoid(fx, femY, femZ, femR, femR, femR), fx, femY, femZ, femR, femR, femR)), CORTEX);
                double fr = femR - 0.05 * L;
                paint(img, occupancy(sampleBox(ellipsoid(fx, femY, femZ, fr, fr, fr), fx, femY, femZ, fr, fr, fr)), MARROW);
                final double px = s * pubX;
                paint(img, occupancy(sampleBox(ellipsoid(px, pubY, pubZ, pubRx, pubRy, pubRz), px, pubY, pubZ, pubRx, pubRy, pubRz)), CORTEX);
                double t = 0.035 * L;
                paint(img, occupancy(sampleBox(ellipsoid(px, pubY, pubZ, pubRx - t, pubRy - t, pubRz - t), px, pubY, pubZ, pubRx, pubRy, pubRz)), MARROW);
            }
            // obturator internus: dark bands along the cavity's lateral walls, at gland levels
            for (int s = -1; s <= 1; s += 2) {
                double ox = s * (cavX - 0.05 * L), oy = cavY0 + 0.05 * L;
                paint(img, occupancy(sampleBox(ellipsoid(ox, oy, gcz, 0.09 * L, 0.33 * L, 2.2 * gc), ox, oy, gcz, 0.09 * L, 0.33 * L, 2.2 * gc)), muscleVal);
            }
            // levator ani sling: a dark band around gland and rectum, posterior-lateral, below the bladder
            double levCy = 0.5 * (gcy + rcy0) - 0.02 * L, levRx = Math.max(ga, rrx) + 0.13 * L, levRy = 0.5 * (gcy + gb - (rcy0 - rry)) + 0.08 * L;
            double levZhi = gcz + 0.4 * gc;
            Level lev = (x, y, z) -> {
                double u = (x - gcx) / levRx, v = (y - levCy) / levRy;
                double ring = 0.5 * levThick - Math.abs(Math.sqrt(u * u + v * v) - 1) * 0.5 * (levRx + levRy);
                double zwin = levZhi - z;
                double ywin = (gcy + 0.3 * gb) - y;
                return Math.min(ring, Math.min(zwin, ywin));
            };
            paint(img, occupancy(sample(lev)), LEVATOR);
            // the gland's normalised radius, once
            double[] q = new double[3];
            float[] rho = sample((x, y, z) -> glandRho(x, y, z, q));
            // periprostatic envelope: muscle-like on average, its signal wandering up to gland-like
            // levels in places (venous plexus, fascia), so the boundary is ambiguous there
            float[] periOcc = occupancy(map(rho, 1 + periWidth / gb, -1));
            float[] periVal = new float[n];
            int i = 0;
            for (int z = 0; z < nz; z++) for (int y = 0; y < ny; y++) for (int x = 0; x < nx; x++, i++)
                if (periOcc[i] > 0) periVal[i] = (float) (SIGNAL * (PERI + periAmp * periTex.at(wx[x], wy[y], wz[z])));
            paint(img, periOcc, periVal);
            // rectum: a tube running up the back, curving posteriorly as it rises
            paint(img, occupancy(sample((x, y, z) -> rectLevel(x, y, z, rcx, rcy0, rrx, rry, 0))), RECTAL_WALL);
            float[] lumen = occupancy(sample((x, y, z) -> rectLevel(x, y, z, rcx, rcy0, rrx, rry, rWall)));
            paint(img, lumen, texField(contentTex, RECTAL_CONTENT, 0.25));
            if (gas) {
                final double gl = gasLevel;
                Level gasLv = (x, y, z) -> Math.min(rectLevel(x, y, z, rcx, rcy0, rrx, rry, rWall),
                        (y - rectCy(z, rcy0) - gl * (rry - rWall)) / L);
                paint(img, occupancy(sample(gasLv)), GAS);
            }
            // bladder: wall then urine, the urine kept clear of the gland by the wall and envelope
            paint(img, occupancy(sample(ellipsoid(blX, blY, blZ, blRx, blRy, blRz))), BLADDER_WALL);
            float[] urine = occupancy(sample(ellipsoid(blX, blY, blZ, blRx - blWall, blRy - blWall, blRz - blWall)));
            float[] awayFromGland = occupancy(map(rho, -1 - (blWall + 0.5 * periWidth) / gb, 1));
            paint(img, min(urine, awayFromGland), URINE);
            // the gland itself: PZ rim, textured TZ, dark anterior fibromuscular stroma
            glandLevel = map(rho, 1, -1);
            float[] glandOcc = occupancy(glandLevel);
            float[] glandVal = new float[n];
            i = 0;
            for (int z = 0; z < nz; z++) for (int y = 0; y < ny; y++) for (int x = 0; x < nx; x++, i++) {
                if (glandOcc[i] <= 0) continue;
                double rhoN = glandRho(wx[x], wy[y], wz[z], q);
                double u = q[0] / tzrx, v = (q[1] - tzcy) / tzry, w = (q[2] - tzcz) / tzrz;
                double tzW = smoothstep(0.12, -0.12, Math.sqrt(u * u + v * v + w * w) - 1);
                double uy = q[1] / Math.max(1e-9, Math.sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2]));
                double afW = smoothstep(0.45, 0.8, uy * rhoN) * (1 - 0.5 * tzW);
                double pzW = Math.max(0, 1 - tzW - afW);
                double tzVal = tzLevel + 0.075 * tzTex.at(wx[x], wy[y], wz[z]);
                double pzVal = pzLevel + 0.03 * tzTex.at(wz[z], wx[x], wy[y]);
                double val = (tzW * tzVal + afW * AFMS + pzW * pzVal) / (tzW + afW + pzW);
                val = SURROUND_REF + glandContrast * (val - SURROUND_REF);
                glandVal[i] = (float) (SIGNAL * val);
            }
            paint(img, glandOcc, glandVal);
            return img;
        }

        /** a + b * v, elementwise (a level made from the normalised-radius array). */
        static float[] map(float[] v, double a, double b) {
            float[] o = new float[v.length];
            for (int i = 0; i < v.length; i++) o[i] = (float) (a + b * v[i]);
            return o;
        }

        /** SIGNAL * level * (1 + relAmp * t) for a unit texture array t. */
        static float[] scaled(float[] t, double level, double relAmp) {
            float[] o = new float[t.length];
            for (int i = 0; i < t.length; i++) o[i] = (float) (SIGNAL * level * (1 + relAmp * t[i]));
            return o;
        }

        /**
         * Samples f only in the box (centre, half-widths, mm) grown by two voxels; elsewhere the level
         * is -1 (outside), which is exact for occupancy as long as f is negative there.
         */
        float[] sampleBox(Level f, double cx, double cy, double cz, double rx, double ry, double rz) {
            float[] a = new float[n];
            java.util.Arrays.fill(a, -1f);
            int x0 = Math.max(0, (int) Math.floor((cx - rx) / sx + 0.5 * (nx - 1)) - 2), x1 = Math.min(nx - 1, (int) Math.ceil((cx + rx) / sx + 0.5 * (nx - 1)) + 2);
            int y0 = Math.max(0, (int) Math.floor((cy - ry) / sy + 0.5 * (ny - 1)) - 2), y1 = Math.min(ny - 1, (int) Math.ceil((cy + ry) / sy + 0.5 * (ny - 1)) + 2);
            int z0 = Math.max(0, (int) Math.floor((cz - rz) / sz + 0.5 * (nz - 1)) - 2), z1 = Math.min(nz - 1, (int) Math.ceil((cz + rz) / sz + 0.5 * (nz - 1)) + 2);
            for (int z = z0; z <= z1; z++) for (int y = y0; y <= y1; y++) for (int x = x0; x <= x1; x++)
                a[x + nx * (y + ny * z)] = (float) f.at(wx[x], wy[y], wz[z]);
            return a;
        }

        double rectCy(double z, double rcy0) {
            double t = Math.max(0, (z - gcz) / (0.5 * ez));
            return rcy0 - 0.18 * L * t * t;
        }

        double rectLevel(double x, double y, double z, double rcx, double rcy0, double rrx, double rry, double inset) {
            double cy = rectCy(z, rcy0);
            double u = (x - rcx) / (rrx - inset), v = (y - cy) / (rry - inset);
            return 1 - Math.sqrt(u * u + v * v);
        }

        /** The raw texture values at the voxel centres. */
        float[] tex(Lattice t) {
            float[] a = new float[n];
            int i = 0;
            for (int z = 0; z < nz; z++) for (int y = 0; y < ny; y++) for (int x = 0; x < nx; x++, i++)
                a[i] = (float) t.at(wx[x], wy[y], wz[z]);
            return a;
        }

        float[] texField(Lattice t, double level, double relAmp) {
            float[] a = new float[n];
            int i = 0;
            for (int z = 0; z < nz; z++) for (int y = 0; y < ny; y++) for (int x = 0; x < nx; x++, i++)
                a[i] = (float) (SIGNAL * level * (1 + relAmp * t.at(wx[x], wy[y], wz[z])));
            return a;
        }

        static double smoothstep(double e0, double e1, double x) {
            double t = (x - e0) / (e1 - e0);
            t = Math.max(0, Math.min(1, t));
            return t * t * (3 - 2 * t);
        }

        float[] mask() {
            float[] m = new float[n];
            for (int i = 0; i < n; i++) m[i] = glandLevel[i] > 0 ? 1f : 0f;
            return m;
        }
    }
}
