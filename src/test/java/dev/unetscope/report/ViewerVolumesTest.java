package dev.unetscope.report;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The viewer's small per-voxel rules, by hand. */
class ViewerVolumesTest {
    @Test
    void pcaColoursKeepFourBitsPerChannelAndTheFullRange() {
        assertThat(Viewer.fourBits(0x12ABEF)).isEqualTo(0x11AAEE);
        assertThat(Viewer.fourBits(0xFFFFFF)).isEqualTo(0xFFFFFF);
        assertThat(Viewer.fourBits(0x0F0F0F)).isEqualTo(0x000000);
    }

    @Test
    void labelMapsAndOutlines() {
        // a 3 x 3 x 3 grid with the centre and its +x neighbour inside: both are boundary voxels (a 6-neighbour is outside)
        float[] m = new float[27];
        m[13] = 0.9f;
        m[14] = 0.5f;
        assertThat(Viewer.binary(new float[] {0.49f, 0.5f, 1f, 0f})).containsExactly(0f, 1f, 1f, 0f);
        assertThat(Viewer.boundary(m, 13, 3, 3, 3)).isTrue();
        assertThat(Viewer.boundary(m, 12, 3, 3, 3)).isFalse();
        int[] o = Viewer.outline(m, new dev.unetscope.volume.Volume(3, 3, 3, m, new double[] {1, 1, 1}, dev.unetscope.volume.Volume.diagonalAffine(new double[] {1, 1, 1})), Viewer.TRUTH);
        int inside = 0;
        for (int v : o) if (v == Viewer.TRUTH) inside++;
        assertThat(inside).isEqualTo(2);
        assertThat(o[0]).isZero();
    }
}
