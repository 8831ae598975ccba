package dev.unetscope.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.unetscope.io.BadInputException;
import org.junit.jupiter.api.Test;

class DaviesBouldinTest {

    @Test
    void fourPointsInTwoClusters() {
        // A = (0,0), (0,2): centroid (0,1), s_A = mean(1, 1) = 1
        // B = (10,0), (10,4): centroid (10,2), s_B = mean(2, 2) = 2
        // d_AB = |(0,1) - (10,2)| = sqrt(101); both rows: (1 + 2) / sqrt(101); DB = 3 / sqrt(101)
        FeatureMatrix x = FeatureMatrix.of(new float[][] {{0, 0}, {0, 2}, {10, 0}, {10, 4}});
        assertThat(DaviesBouldin.score(x, new int[] {7, 7, -1, -1})).isCloseTo(3 / Math.sqrt(101), within(1e-12));
    }

    @Test
    void threeClustersTakeTheWorstPartner() {
        // A = (0),(2): c 1, s 1;  B = (10),(12): c 11, s 1;  C = (13),(15),(14),(14): c 14, s 0.5
        // A: max(2/10, 1.5/13) = 0.2;  B: max(2/10, 1.5/3) = 0.5;  C: max(1.5/13, 1.5/3) = 0.5
        FeatureMatrix x = FeatureMatrix.of(new float[][] {{0}, {2}, {10}, {12}, {13}, {15}, {14}, {14}});
        double db = DaviesBouldin.score(x, new int[] {0, 0, 1, 1, 2, 2, 2, 2});
        assertThat(db).isCloseTo((0.2 + 0.5 + 0.5) / 3, within(1e-12));
    }

    @Test
    void zeroSpreadGivesZeroAsSklearn() {
        FeatureMatrix x = FeatureMatrix.of(new float[][] {{1, 1}, {1, 1}, {5, 5}, {5, 5}});
        assertThat(DaviesBouldin.score(x, new int[] {0, 0, 1, 1})).isZero();
    }

    @Test
    void coincidentCentroidsCountAsInfinitelyFar() {
        // A = (-1),(1): c 0, s 1;  B = (-2),(2),(2),(-2): c 0, s 2;  C = (10),(10): c 10, s 0
        // d_AB = 0 counts as infinitely far (ratio 0). A: max(0, 1/10) = 0.1;  B: 2/10 = 0.2;
        // C: max(1/10, 2/10) = 0.2;  DB = 0.5 / 3
        FeatureMatrix x = FeatureMatrix.of(new float[][] {{-1}, {1}, {-2}, {2}, {2}, {-2}, {10}, {10}});
        double db = DaviesBouldin.score(x, new int[] {0, 0, 1, 1, 1, 1, 2, 2});
        assertThat(db).isCloseTo(0.5 / 3, within(1e-12));
    }

    @Test
    void oneLabelIsAnError() {
        FeatureMatrix x = FeatureMatrix.of(new float[][] {{0}, {1}, {2}});
        assertThatThrownBy(() -> DaviesBouldin.score(x, new int[] {4, 4, 4}))
                .isInstanceOf(BadInputException.class).hasMessageContaining("2 to n-1 clusters, got 1");
    }

    @Test
    void nanIsAnError() {
        FeatureMatrix x = FeatureMatrix.of(new float[][] {{0}, {Float.NaN}, {2}, {3}});
        assertThatThrownBy(() -> DaviesBouldin.score(x, new int[] {0, 0, 1, 1}))
                .isInstanceOf(BadInputException.class).hasMessageStartingWith("NaN in features");
    }
}
