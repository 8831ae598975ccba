package dev.unetscope.analysis;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

/** The jackknife+ interval recomputed from a predictor.json's "conformal" section, independently of ConformalInterval. */
public final class ConformalByHand {
    private ConformalByHand() {}

    /**
     * {lo, hi}: each fold's linear prediction from the inputs (an input that is null or non-finite contributes nothing),
     * then (NaN, NaN without residuals) the floor(alpha (n+1))-th smallest of mu - R and the ceil((1-alpha)(n+1))-th smallest of mu + R.
     */
    public static double[] bounds(JsonNode predictor, Function<String, Double> value) {
        JsonNode conformal = predictor.path("conformal");
        List<Double> minus = new ArrayList<>(), plus = new ArrayList<>();
        for (JsonNode fold : conformal.path("folds")) {
            double mu = fold.path("intercept").asDouble();
            for (int j = 0; j < fold.path("kept").size(); j++) {
                Double x = value.apply(predictor.path("inputs").get(fold.path("kept").get(j).asInt()).asText());
                if (x != null && Double.isFinite(x)) {
                    mu += fold.path("coefficients").get(j).asDouble() * (x - fold.path("means").get(j).asDouble()) / fold.path("sds").get(j).asDouble();
                }
            }
            for (JsonNode r : fold.path("residuals")) {
                minus.add(mu - r.asDouble());
                plus.add(mu + r.asDouble());
            }
        }
        Collections.sort(minus);
        Collections.sort(plus);
        int n = minus.size();
        if (n == 0) return new double[] {Double.NaN, Double.NaN}; // no fold could be fitted: no interval
        double alpha = 1 - conformal.path("level").asDouble();
        int lo = (int) Math.floor(alpha * (n + 1) + 1e-9), hi = (int) Math.ceil((1 - alpha) * (n + 1) - 1e-9);
        return new double[] {lo < 1 ? Double.NEGATIVE_INFINITY : minus.get(lo - 1), hi > n ? Double.POSITIVE_INFINITY : plus.get(hi - 1)};
    }
}
