package dev.unetscope.metrics;

import dev.unetscope.ReferencePython;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compares the cluster mathematics with scikit-learn on the same seeded blobs
 * (src/test/resources/reference/cluster_reference.py). Python with numpy and scikit-learn is a hard
 * requirement: when missing this test fails, never skips. Override the interpreter with
 * -Dunetscope.python=...
 */
class SklearnReferenceTest {

    @TempDir Path dir;

    @Test
    void agreesWithSklearn() throws Exception {
        JsonNode ref = new ObjectMapper().readTree(python("cluster_reference.py", dir.toString()));
        assertThat(ref.get("cases").size()).isEqualTo(2);
        for (JsonNode c : ref.get("cases")) {
            String name = c.get("name").asText();
            FeatureMatrix x = readFeatures(dir.resolve(name + ".f32"), c.get("n").asInt(), c.get("d").asInt());
            int[] labels = readLabels(dir.resolve(name + ".labels.i32"), x.n());

            double db = DaviesBouldin.score(x, labels);
            double dbRef = c.get("davies_bouldin").asDouble();
            report(name, "Davies-Bouldin", db, dbRef);
            assertThat(db).as(name + " Davies-Bouldin").isCloseTo(dbRef, within(Math.abs(dbRef) * 1e-6));

            KMeansModel km = new KMeans(8, 3, 300, 1e-4, 0).fit(x);
            double inertiaRef = c.get("kmeans8_inertia").asDouble();
            report(name, "k-means inertia", km.inertia(), inertiaRef);
            if (name.equals("blobs8")) { // well separated: both must find the same optimum
                assertThat(km.inertia()).as(name + " k-means inertia").isCloseTo(inertiaRef, within(inertiaRef * 0.01));
                double dbKm = DaviesBouldin.score(x, km.labels());
                report(name, "Davies-Bouldin of k-means labels", dbKm, c.get("kmeans8_davies_bouldin").asDouble());
                assertThat(dbKm).isCloseTo(c.get("kmeans8_davies_bouldin").asDouble(), within(1e-6));
            }
            for (CovarianceType t : CovarianceType.values()) {
                String key = "gmm4_" + (t == CovarianceType.FULL ? "full" : "diag") + "_score";
                double score = new GaussianMixture(4, t, 0).fit(x).meanLogLikelihood(x);
                double scoreRef = c.get(key).asDouble();
                report(name, key, score, scoreRef);
                assertThat(score).as(name + " " + key).isCloseTo(scoreRef, within(Math.abs(scoreRef) * 0.01));
            }
        }
    }

    private static void report(String c, String what, double java, double sklearn) {
        System.out.printf("sklearn reference %-15s %-34s java %.9g sklearn %.9g rel %.2e%n", c, what, java, sklearn,
                Math.abs(java - sklearn) / Math.abs(sklearn));
    }

    static FeatureMatrix readFeatures(Path file, int n, int d) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.remaining()).as(file.toString()).isEqualTo(n * d * 4);
        float[] data = new float[n * d];
        b.asFloatBuffer().get(data);
        return new FeatureMatrix(data, n, d);
    }

    static int[] readLabels(Path file, int n) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.remaining()).as(file.toString()).isEqualTo(n * 4);
        int[] labels = new int[n];
        b.asIntBuffer().get(labels);
        return labels;
    }

    private String python(String script, String arg) throws IOException, InterruptedException {
        return ReferencePython.run(dir, script, arg, "numpy and scikit-learn", 300);
    }
}
