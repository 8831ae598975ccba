package dev.unetscope.metrics;

import java.util.stream.IntStream;

/**
 * A feature matrix shifted by a fixed row vector and stored as column-major blocks of
 * {@link #BLOCK} rows, so that the distance loops run over contiguous rows with a fixed centre
 * value and the JIT turns them into SIMD; the CPU counterpart of {@link EngineFeatures}, which
 * pays a tensor-engine call per operation (dominant at the few thousand rows of an analysis).
 * Squared distances are summed coordinate by coordinate in float32 from the differences
 * (x - c)^2 (no ||x||^2 - 2 x.c + ||c||^2 cancellation; equal rows are exactly 0 apart).
 *
 * <p>Work is split into fixed groups of blocks ({@link #GROUP}) run in parallel and reduced in
 * group order, so results do not depend on the number of threads.
 */
final class CpuFeatures {
    /** Rows per block: the distance accumulators (k x BLOCK floats) stay in the L1 cache. */
    static final int BLOCK = 256;
    /** Blocks per parallel task. */
    static final int GROUP = 16;

    final int n;
    final int d;
    final float[] shift;
    /** The rows as given (row-major, unshifted). */
    final FeatureMatrix source;
    /** blocks[b][q]: column q of rows b*BLOCK.. (the last block zero-padded); each its own array, so loops over it start at 0 and vectorise. */
    final float[][][] blocks;

    CpuFeatures(FeatureMatrix m, float[] shift) {
        this.n = m.n();
        this.d = m.d();
        this.shift = shift.clone();
        this.source = m;
        int nb = (n + BLOCK - 1) / BLOCK;
        this.blocks = new float[nb][d][BLOCK];
        float[] src = m.data();
        for (int b = 0; b < nb; b++) {
            float[][] blk = blocks[b];
            int r0 = b * BLOCK, rows = Math.min(BLOCK, n - r0);
            for (int i = 0; i < rows; i++) {
                int o = (r0 + i) * d;
                for (int q = 0; q < d; q++) blk[q][i] = src[o + q] - shift[q];
            }
        }
    }

    int rows(int b) {
        return Math.min(BLOCK, n - b * BLOCK);
    }

    int groups() {
        return (blocks.length + GROUP - 1) / GROUP;
    }

    /** Squared distances of block b's rows to the m centres (m x d, shifted, float32) into acc[j][i]. */
    void distances(int b, float[] centres, int m, float[][] acc) {
        distances(blocks[b], d, centres, m, acc);
    }

    static void distances(float[][] blk, int d, float[] centres, int m, float[][] acc) {
        for (int j = 0; j < m; j++) {
            float[] a = acc[j];
            int cj = j * d, q = 0;
            if (d >= 4) {
                float c0 = centres[cj], c1 = centres[cj + 1], c2 = centres[cj + 2], c3 = centres[cj + 3];
                float[] x0 = blk[0], x1 = blk[1], x2 = blk[2], x3 = blk[3];
                for (int i = 0; i < BLOCK; i++) {
                    float t0 = x0[i] - c0, t1 = x1[i] - c1, t2 = x2[i] - c2, t3 = x3[i] - c3;
                    a[i] = (t0 * t0 + t1 * t1) + (t2 * t2 + t3 * t3);
                }
                q = 4;
            } else {
                java.util.Arrays.fill(a, 0f);
            }
            // four coordinates per sweep: a quarter of the accumulator loads and stores
            for (; q + 4 <= d; q += 4) {
                float c0 = centres[cj + q], c1 = centres[cj + q + 1], c2 = centres[cj + q + 2], c3 = centres[cj + q + 3];
                float[] x0 = blk[q], x1 = blk[q + 1], x2 = blk[q + 2], x3 = blk[q + 3];
                for (int i = 0; i < BLOCK; i++) {
                    float t0 = x0[i] - c0, t1 = x1[i] - c1, t2 = x2[i] - c2, t3 = x3[i] - c3;
                    a[i] += (t0 * t0 + t1 * t1) + (t2 * t2 + t3 * t3);
                }
            }
            for (; q < d; q++) {
                float c = centres[cj + q];
                float[] x = blk[q];
                for (int i = 0; i < BLOCK; i++) {
                    float t = x[i] - c;
                    a[i] += t * t;
                }
            }
        }
    }

    /** Squared distance of block b's row i to centre j, summed in the same order as {@link #distances} (so the same float). */
    float sqDistance(int b, int i, float[] centres, int j) {
        float[][] blk = blocks[b];
        float a = 0;
        int cj = j * d, q = 0;
        for (; q + 4 <= d; q += 4) {
            float t0 = blk[q][i] - centres[cj + q], t1 = blk[q + 1][i] - centres[cj + q + 1];
            float t2 = blk[q + 2][i] - centres[cj + q + 2], t3 = blk[q + 3][i] - centres[cj + q + 3];
            a += (t0 * t0 + t1 * t1) + (t2 * t2 + t3 * t3);
        }
        for (; q < d; q++) {
            float t = blk[q][i] - centres[cj + q];
            a += t * t;
        }
        return a;
    }

    /** Group g's blocks, first inclusive, last exclusive. */
    int[] groupBlocks(int g) {
        return new int[] {g * GROUP, Math.min(blocks.length, (g + 1) * GROUP)};
    }

    /** Runs task(g) for every group in parallel; results in group order. */
    <T> java.util.List<T> perGroup(java.util.function.IntFunction<T> task) {
        IntStream s = IntStream.range(0, groups());
        if (groups() > 1) s = s.parallel();
        return s.mapToObj(task).toList();
    }
}
