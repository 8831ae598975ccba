package dev.unetscope.data.phantom;

import dev.unetscope.io.BadInputException;

/**
 * Grid and shift of generated phantoms: dims (voxels, x = left-right, y = posterior-anterior,
 * z = inferior-superior), voxel spacing in mm (in-plane sx, sy; slice thickness sz), and the shift
 * applied to every generated case. The anatomy is laid out relative to the field of view, so other
 * dims or spacings give the same proportions (and the same 1-2% gland volume fraction).
 */
public record PhantomConfig(int nx, int ny, int nz, double sx, double sy, double sz, Shift shift) {

    /** The demo grid: 64 x 64 x 24 voxels of 1.5 x 1.5 x 3.6 mm, neutral shift. */
    public static final PhantomConfig DEMO = new PhantomConfig(64, 64, 24, 1.5, 1.5, 3.6, Shift.NEUTRAL);

    public PhantomConfig {
        if (nx < 16 || ny < 16 || nz < 8 || (long) nx * ny * nz > 512L * 512 * 512) {
            throw new BadInputException("phantom dims " + nx + "x" + ny + "x" + nz + " are out of range",
                    "use at least 16x16x8 voxels and at most 512^3");
        }
        for (double s : new double[] {sx, sy, sz}) {
            if (!(s > 0) || !Double.isFinite(s) || s > 20) {
                throw new BadInputException("phantom spacing " + sx + "x" + sy + "x" + sz + " mm is out of range",
                        "each spacing must be > 0 and <= 20 mm");
            }
        }
        if (shift == null) shift = Shift.NEUTRAL;
    }

    public static PhantomConfig demo() {
        return DEMO;
    }

    public PhantomConfig withShift(Shift s) {
        return new PhantomConfig(nx, ny, nz, sx, sy, sz, s);
    }

    public PhantomConfig withDims(int nx, int ny, int nz) {
        return new PhantomConfig(nx, ny, nz, sx, sy, sz, shift);
    }

    public PhantomConfig withSpacing(double sx, double sy, double sz) {
        return new PhantomConfig(nx, ny, nz, sx, sy, sz, shift);
    }

    public double[] spacing() {
        return new double[] {sx, sy, sz};
    }
}
