package dev.unetscope.metrics;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * A feature matrix copied once onto the tensor engine (the GPU when there is one), shifted by a
 * fixed row vector and cut into row chunks, so each pass over the data is a few matmul-shaped ops
 * per chunk with bounded memory. Shifting by the column means keeps the float32 expansion
 * ||x||^2 - 2 x.c + ||c||^2 accurate, and turns a constant column into exact zeros.
 *
 * <p>Per-chunk work runs in {@link #scope(int)}: the chunk arrays are attached to a sub-manager for
 * the duration, so every result lands there and is freed when it closes.
 */
final class EngineFeatures implements AutoCloseable {
    /**
     * Values in a chunk's widest intermediate (4 MiB of float32 by default; system property
     * {@code unetscope.metrics.chunkValues}). Kept small on purpose: glibc hands allocations above
     * its mmap threshold (128 KiB, adapting up to 32 MiB) back to the kernel when freed, and on
     * virtual machines re-faulting those pages made a 33 MB matmul result 50x slower than the
     * arithmetic; small chunks are reused from the heap and stay in cache.
     */
    static final long CHUNK_VALUES = Long.getLong("unetscope.metrics.chunkValues", 1L << 20);

    final NDManager manager;
    final int n;
    final int d;
    final float[] shift;
    final int[] start;
    final NDArray[] x;
    private NDArray[] sqNorm;
    private NDArray[] withSquares;

    /**
     * @param widestRow values per row of the widest per-chunk intermediate the caller will make
     *                  (k-means: max(d, k); diagonal mixture: 2d; full mixture: k d)
     */
    EngineFeatures(FeatureMatrix m, float[] shift, int widestRow) {
        this(m, shift, widestRow, CHUNK_VALUES);
    }

    /** As above with {@code chunkValues} in place of {@link #CHUNK_VALUES} (tests force one chunk or many). */
    EngineFeatures(FeatureMatrix m, float[] shift, int widestRow, long chunkValues) {
        this.n = m.n();
        this.d = m.d();
        this.shift = shift.clone();
        int rows = (int) Math.max(256, Math.min(Math.max(n, 1), chunkValues / Math.max(d, widestRow)));
        int chunks = Math.max(1, (n + rows - 1) / rows);
        this.start = new int[chunks + 1];
        for (int c = 0; c <= chunks; c++) start[c] = Math.min(n, c * rows);
        this.manager = NDManager.newBaseManager();
        this.x = new NDArray[chunks];
        float[] src = m.data();
        for (int c = 0; c < chunks; c++) {
            int r0 = start[c], nr = start[c + 1] - r0;
            float[] buf = new float[nr * d];
            for (int i = 0; i < nr; i++) {
                int o = (r0 + i) * d, p = i * d;
                for (int j = 0; j < d; j++) buf[p + j] = src[o + j] - shift[j];
            }
            x[c] = manager.create(buf, new Shape(nr, d));
        }
    }

    static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
        return f;
    }

    int chunks() {
        return x.length;
    }

    int rows(int c) {
        return start[c + 1] - start[c];
    }

    /** Computes the squared row norms (chunk rows x 1) once; call outside any {@link #scope}. */
    EngineFeatures withSqNorms() {
        if (sqNorm == null) {
            sqNorm = new NDArray[x.length];
            for (int i = 0; i < x.length; i++) sqNorm[i] = x[i].square().sum(new int[] {1}, true);
        }
        return this;
    }

    /** Computes [x, x*x] side by side (chunk rows x 2d) once, the diagonal Gaussian's statistics. */
    EngineFeatures withSquares() {
        if (withSquares == null) {
            withSquares = new NDArray[x.length];
            for (int i = 0; i < x.length; i++) withSquares[i] = x[i].concat(x[i].square(), 1);
        }
        return this;
    }

    NDArray sqNorm(int c) {
        return sqNorm[c];
    }

    NDArray withSquares(int c) {
        return withSquares[c];
    }

    /** A sub-manager to which chunk c's arrays are attached until it closes. */
    NDManager scope(int c) {
        NDManager sub = manager.newSubManager();
        x[c].tempAttach(sub);
        if (sqNorm != null) sqNorm[c].tempAttach(sub);
        if (withSquares != null) withSquares[c].tempAttach(sub);
        return sub;
    }

    @Override
    public void close() {
        manager.close();
    }
}
