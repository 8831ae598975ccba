package dev.unetscope.analysis;

import dev.unetscope.ReferencePython;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compares Correlation, FailureDetection and RidgePredictor with scipy 1.10 / scikit-learn 1.2 on
 * seeded data written here and read by src/test/resources/reference/stats_reference.py. Python
 * with numpy, scipy and scikit-learn is a hard requirement: when missing this test fails, never
 * skips. Override the interpreter with -Dunetscope.python=...
 */
class StatsReferenceTest {
    private static final double[] ALPHAS = {0.01, 0.3, 1, 10, 100};

    @TempDir Path dir;

    @Test
    void agreesWithScipyAndSklearn() throws Exception {
        Map<String, double[][]> corr = correlationCases();
        for (Map.Entry<String, double[][]> e : corr.entrySet()) {
            double[][] c = e.getValue();
            StringBuilder sb = new StringBuilder("x,y,g\n");
            for (int i = 0; i < c[0].length; i++) sb.append(c[0][i]).append(',').append(c[1][i]).append(',').append((int) c[2][i]).append('\n');
            Files.writeString(dir.resolve("corr_" + e.getKey() + ".csv"), sb);
        }
        Map<String, double[][]> auroc = aurocCases();
        for (Map.Entry<String, double[][]> e : auroc.entrySet()) {
            double[][] c = e.getValue();
            StringBuilder sb = new StringBuilder("score,failed\n");
            for (int i = 0; i < c[0].length; i++) sb.append(c[0][i]).append(',').append((int) c[1][i]).append('\n');
            Files.writeString(dir.resolve("auroc_" + e.getKey() + ".csv"), sb);
        }
        double[][] X = new double[45][4];
        double[] y = new double[45];
        ridgeCase(X, y);
        StringBuilder sb = new StringBuilder("x0,x1,x2,x3,y\n");
        for (int i = 0; i < y.length; i++) {
            for (double v : X[i]) sb.append(v).append(',');
            sb.append(y[i]).append('\n');
        }
        Files.writeString(dir.resolve("ridge.csv"), sb);
        StringBuilder al = new StringBuilder();
        for (double a : ALPHAS) al.append(a).append('\n');
        Files.writeString(dir.resolve("ridge_alphas.txt"), al);

        JsonNode ref = new ObjectMapper().readTree(python("stats_reference.py", dir.toString()));
        System.out.println("stats reference versions " + ref.get("versions"));

        double worstValue = 0, worstP = 0;
        for (Map.Entry<String, double[][]> e : corr.entrySet()) {
            String name = e.getKey();
            double[][] c = e.getValue();
            JsonNode r = ref.get("corr").get(name);
            List<Estimate> est = new Correlation(0, 0, 0.95).estimate(c[0], c[1]);
            String[] keys = {"pearson", "spearman", "kendall"};
            for (int m = 0; m < 3; m++) {
                double v = r.get(keys[m]).get(0).asDouble(), p = r.get(keys[m]).get(1).asDouble();
                Estimate got = est.get(m);
                assertThat(got.method()).isEqualTo(keys[m]);
                assertThat(got.n()).isEqualTo(r.get("n").asInt());
                double dv = Math.abs(got.value() - v), dp = Math.abs(got.p() - p);
                System.out.printf("scipy reference %-14s %-8s value %.12f |d| %.1e   p %.6e |d| %.1e%s%n", name, keys[m],
                        got.value(), dv, got.p(), dp, m == 2 ? " (" + r.get("kendall_method").asText() + ")" : "");
                worstValue = Math.max(worstValue, dv);
                worstP = Math.max(worstP, dp);
                assertThat(got.value()).as(name + " " + keys[m]).isCloseTo(v, within(1e-9));
                assertThat(got.p()).as(name + " " + keys[m] + " p").isCloseTo(p, within(1e-6));
                // Kendall's p also relatively: near_monotone (n 50, one discordant pair) is on scipy's exact path, p 3e-63,
                // where the asymptotic one gives about 1e-24; both pass the absolute 1e-6 above, not this
                if (m == 2) assertThat(got.p()).as(name + " kendall p, relative").isCloseTo(p, within(1e-9 * p));
            }
            JsonNode w = ref.get("within").get(name);
            if (w != null) {
                List<Estimate> we = new Correlation(0, 0, 0.95).withinGroup(c[0], c[1], toInt(c[2]));
                for (int m = 0; m < 3; m++) {
                    Estimate got = we.get(m);
                    assertThat(got.n()).isEqualTo(w.get("n").asInt());
                    double v = w.get(keys[m]).get(0).asDouble(), p = w.get(keys[m]).get(1).asDouble();
                    System.out.printf("scipy reference %-14s %-15s value %.12f |d| %.1e   p %.6e |d| %.1e%n", name,
                            got.method(), got.value(), Math.abs(got.value() - v), got.p(), Math.abs(got.p() - p));
                    assertThat(got.value()).as(name + " within " + keys[m]).isCloseTo(v, within(1e-9));
                    assertThat(got.p()).as(name + " within " + keys[m] + " p").isCloseTo(p, within(1e-6));
                }
            }
        }
        System.out.printf("scipy reference worst |d| value %.1e p %.1e%n", worstValue, worstP);

        for (Map.Entry<String, double[][]> e : auroc.entrySet()) {
            double[][] c = e.getValue();
            boolean[] failed = new boolean[c[0].length];
            for (int i = 0; i < failed.length; i++) failed[i] = c[1][i] == 1;
            double got = FailureDetection.auroc(c[0], failed), want = ref.get("auroc").get(e.getKey()).asDouble();
            System.out.printf("sklearn reference AUROC %-10s %.12f |d| %.1e%n", e.getKey(), got, Math.abs(got - want));
            assertThat(got).as("AUROC " + e.getKey()).isCloseTo(want, within(1e-8));
        }

        JsonNode rr = ref.get("ridge");
        double worstCoef = 0;
        for (int a = 0; a < ALPHAS.length; a++) {
            RidgeModel m = new RidgePredictor(ALPHAS[a]).fit(X, y);
            assertThat(m.keptColumns()).containsExactly(0, 1, 2, 3);
            double[] coef = m.standardisedCoefficients();
            for (int j = 0; j < 4; j++) {
                double d = Math.abs(coef[j] - rr.get("coef").get(a).get(j).asDouble());
                worstCoef = Math.max(worstCoef, d);
                assertThat(coef[j]).as("alpha " + ALPHAS[a] + " coef " + j).isCloseTo(rr.get("coef").get(a).get(j).asDouble(), within(1e-6));
            }
            assertThat(m.intercept()).isCloseTo(rr.get("intercept").get(a).asDouble(), within(1e-9));
            double loo = m.looRmse() * m.looRmse(), looRef = rr.get("loo_mse").get(a).asDouble();
            System.out.printf("sklearn reference ridge alpha %-6s coef %s  LOO MSE %.10g sklearn %.10g%n", ALPHAS[a],
                    java.util.Arrays.toString(coef), loo, looRef);
            assertThat(loo).as("LOO MSE alpha " + ALPHAS[a]).isCloseTo(looRef, within(1e-9 + 1e-6 * looRef));
        }
        for (int j = 0; j < 4; j++) {
            RidgeModel m = new RidgePredictor(1).fit(X, y);
            assertThat(m.means()[j]).isCloseTo(rr.get("mean").get(j).asDouble(), within(1e-12));
            assertThat(m.sds()[j]).isCloseTo(rr.get("sd").get(j).asDouble(), within(1e-12));
        }
        System.out.printf("sklearn reference ridge worst |d| coef %.1e%n", worstCoef);
        RidgeModel chosen = new RidgePredictor(ALPHAS, ConformalInterval.DEFAULT_LEVEL).fit(X, y);
        assertThat(chosen.lambda()).as("LOO-chosen lambda vs RidgeCV.alpha_").isEqualTo(rr.get("alpha_").asDouble());
    }

    /** name -> {x, y, group}. */
    private static Map<String, double[][]> correlationCases() {
        Map<String, double[][]> cases = new LinkedHashMap<>();
        Random rng = new Random(20210707);
        cases.put("small_exact", correlated(rng, 10, 0.6, 0, 1));
        cases.put("n30_exact", correlated(rng, 30, 0.3, 0, 3));
        cases.put("ties", correlated(rng, 60, 0.5, 10, 5));
        cases.put("large", correlated(rng, 300, 0.2, 0, 10));
        cases.put("negative_ties", correlated(rng, 25, -0.7, 2, 5));
        double[][] mono = correlated(rng, 50, 1.0, 0, 5);
        mono[1] = mono[0].clone();
        java.util.Arrays.sort(mono[0]);
        java.util.Arrays.sort(mono[1]);
        double t = mono[1][20]; // one adjacent swap: a single discordant pair
        mono[1][20] = mono[1][21];
        mono[1][21] = t;
        cases.put("near_monotone", mono);
        double[][] perfect = new double[3][8];
        for (int i = 0; i < 8; i++) {
            perfect[0][i] = i * 0.37 - 1;
            perfect[1][i] = 2 * perfect[0][i] + 1;
            perfect[2][i] = i % 2;
        }
        cases.put("perfect", perfect);
        // 12 checkpoints x 5 query sets: large between-checkpoint offsets, a weaker within relation
        int g = 12, q = 5;
        double[][] w = new double[3][g * q];
        for (int c = 0; c < g; c++) {
            double off = rng.nextGaussian() * 3;
            for (int s = 0; s < q; s++) {
                int i = c * q + s;
                double shift = rng.nextGaussian();
                w[0][i] = off + shift;
                w[1][i] = -off + 0.5 * shift + 0.5 * rng.nextGaussian();
                w[2][i] = c;
            }
        }
        cases.put("within", w);
        return cases;
    }

    /** n pairs with correlation about rho; values rounded to 1/round when round &gt; 0; groups of size groupSize. */
    static double[][] correlated(Random rng, int n, double rho, double round, int groupSize) {
        double[][] c = new double[3][n];
        for (int i = 0; i < n; i++) {
            double a = rng.nextGaussian(), b = rng.nextGaussian();
            c[0][i] = a;
            c[1][i] = rho * a + Math.sqrt(Math.max(0, 1 - rho * rho)) * b;
            if (round > 0) {
                c[0][i] = Math.round(c[0][i] * round) / round;
                c[1][i] = Math.round(c[1][i] * round) / round;
            }
            c[2][i] = i / groupSize;
        }
        return c;
    }

    private static Map<String, double[][]> aurocCases() {
        Map<String, double[][]> cases = new LinkedHashMap<>();
        Random rng = new Random(7);
        for (String name : List.of("continuous", "ties")) {
            int n = name.equals("ties") ? 100 : 200;
            double[][] c = new double[2][n];
            for (int i = 0; i < n; i++) {
                boolean fail = rng.nextDouble() < 0.3;
                double s = (fail ? -0.8 : 0) + rng.nextGaussian();
                c[0][i] = name.equals("ties") ? Math.round(s * 2) / 2.0 : s;
                c[1][i] = fail ? 1 : 0;
            }
            cases.put(name, c);
        }
        return cases;
    }

    /** 45 rows, 4 features (two of them strongly collinear), y linear plus noise. */
    static void ridgeCase(double[][] X, double[] y) {
        Random rng = new Random(11);
        for (int i = 0; i < y.length; i++) {
            double a = rng.nextGaussian();
            X[i][0] = 3 + 2 * a;
            X[i][1] = -1 + 0.5 * a + 0.05 * rng.nextGaussian();
            X[i][2] = 10 * rng.nextGaussian();
            X[i][3] = rng.nextDouble();
            y[i] = 0.6 + 0.05 * X[i][0] - 0.01 * X[i][2] + 0.1 * X[i][3] + 0.03 * rng.nextGaussian();
        }
    }

    private static int[] toInt(double[] v) {
        int[] r = new int[v.length];
        for (int i = 0; i < v.length; i++) r[i] = (int) v[i];
        return r;
    }

    private String python(String script, String arg) throws IOException, InterruptedException {
        return ReferencePython.run(dir, script, arg, "numpy, scipy and scikit-learn", 300);
    }
}
