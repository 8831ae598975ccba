package dev.unetscope.data;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.unetscope.io.BadInputException;

import java.util.Arrays;

/**
 * How a scan's intensities are normalised before the network sees them, by name, with the numbers
 * some of them need (recorded in {@code experiment.json} and in an exported model's sidecar). Means
 * and standard deviations are population ones (numpy's default), in double. The formulas are
 * {@link Kind}'s entries; {@code low}, {@code high}, {@code mean} and {@code std} are used only by
 * {@link Kind#CT} (all four) and {@link Kind#WINDOW} ({@code low}, {@code high}).
 *
 * @param name one of {@link Kind}'s names: {@code zscore}, {@code zscore-nonzero}, {@code zscore-otsu},
 *             {@code ct}, {@code window}, {@code none}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Normalization(String name, Double low, Double high, Double mean, Double std) {

    /** nnU-Net's floor for a standard deviation: a constant image becomes 0, not NaN. */
    static final double MIN_STD = 1e-8;

    public enum Kind {
        /** z = (x - mean) / max(std, 1e-8) over every voxel (nnU-Net's ZScoreNormalization without a mask). Pads with the result's minimum. */
        ZSCORE("zscore") {
            float[] apply(float[] x, Normalization n, double clip, String source) {
                double[] ms = meanStd(x, false);
                return affine(x, ms[0], Math.max(ms[1], MIN_STD), false);
            }

            float padValue(float[] normalised, Normalization n, double clip) {
                return min(normalised);
            }
        },
        /**
         * z = (x - mean) / max(std, 1e-8) with mean and std over the non-zero voxels; zero voxels stay 0
         * (nnU-Net's ZScoreNormalization with use_mask_for_norm, the mask being the non-zero region). Pads with 0.
         */
        ZSCORE_NONZERO("zscore-nonzero") {
            float[] apply(float[] x, Normalization n, double clip, String source) {
                double[] ms = meanStd(x, true);
                return affine(x, ms[0], Math.max(ms[1], MIN_STD), true);
            }

            float padValue(float[] normalised, Normalization n, double clip) {
                return 0f;
            }
        },
        /**
         * unetscope's own: body = voxels above the Otsu threshold; z = (x - median) / (1.4826 MAD) of the body,
         * clipped to +-clip (robust to bright bladder and fat). A constant image is refused. Pads with -clip.
         */
        ZSCORE_OTSU("zscore-otsu") {
            float[] apply(float[] x, Normalization n, double clip, String source) {
                return Preprocessing.zScoreInBody(x, clip, source);
            }

            float padValue(float[] normalised, Normalization n, double clip) {
                return (float) -clip;
            }
        },
        /**
         * nnU-Net's CTNormalization: clip x to [low, high] (the dataset's foreground 0.5 and 99.5 percentiles),
         * then z = (x - mean) / max(std, 1e-8) with the dataset-wide foreground mean and std. Pads with (low - mean) / std.
         */
        CT("ct") {
            float[] apply(float[] x, Normalization n, double clip, String source) {
                float[] out = new float[x.length];
                double s = Math.max(n.std, MIN_STD);
                for (int i = 0; i < x.length; i++) out[i] = (float) ((Math.max(n.low, Math.min(n.high, x[i])) - n.mean) / s);
                return out;
            }

            float padValue(float[] normalised, Normalization n, double clip) {
                return (float) ((n.low - n.mean) / Math.max(n.std, MIN_STD));
            }
        },
        /** A fixed window: clip x to [low, high], then z = (x - low) / (high - low), in [0, 1]. Pads with 0. */
        WINDOW("window") {
            float[] apply(float[] x, Normalization n, double clip, String source) {
                float[] out = new float[x.length];
                double w = n.high - n.low;
                for (int i = 0; i < x.length; i++) out[i] = (float) ((Math.max(n.low, Math.min(n.high, x[i])) - n.low) / w);
                return out;
            }

            float padValue(float[] normalised, Normalization n, double clip) {
                return 0f;
            }
        },
        /** The intensities as they are. Pads with the image's minimum. */
        NONE("none") {
            float[] apply(float[] x, Normalization n, double clip, String source) {
                return x.clone();
            }

            float padValue(float[] normalised, Normalization n, double clip) {
                return min(normalised);
            }
        };

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }

        abstract float[] apply(float[] x, Normalization n, double clip, String source);

        abstract float padValue(float[] normalised, Normalization n, double clip);

        static Kind of(String name) {
            for (Kind k : values()) if (k.label.equals(name)) return k;
            return null;
        }
    }

    public Normalization {
        Kind k = Kind.of(name);
        if (k == null) {
            throw new BadInputException("normalization '" + name + "' is not known", "use one of " + names());
        }
        if (k == Kind.CT) {
            if (low == null || high == null || mean == null || std == null || !(low < high) || !(std > 0)
                    || !Double.isFinite(mean) || !Double.isFinite(low) || !Double.isFinite(high) || !Double.isFinite(std)) {
                throw new BadInputException("normalization 'ct' needs finite low < high (the foreground 0.5/99.5 percentiles) and mean and std > 0",
                        "give them as nnU-Net's dataset fingerprint records them");
            }
        } else if (k == Kind.WINDOW) {
            if (low == null || high == null || !(low < high) || !Double.isFinite(low) || !Double.isFinite(high)) {
                throw new BadInputException("normalization 'window' needs finite low < high", "give the window, e.g. low -200, high 300");
            }
        }
    }

    /** A normalisation that needs no numbers. */
    public static Normalization named(String name) {
        return new Normalization(name, null, null, null, null);
    }

    public static Normalization ct(double low, double high, double mean, double std) {
        return new Normalization(Kind.CT.label, low, high, mean, std);
    }

    public static Normalization window(double low, double high) {
        return new Normalization(Kind.WINDOW.label, low, high, null, null);
    }

    /** unetscope's own default (z-score inside the Otsu body). */
    public static final Normalization DEFAULT = named(Kind.ZSCORE_OTSU.label);

    @JsonIgnore
    public Kind kind() {
        return Kind.of(name);
    }

    /** The normalised copy of {@code x}; {@code clip} is used by {@code zscore-otsu} only; {@code source} is named in errors. */
    public float[] apply(float[] x, double clip, String source) {
        return kind().apply(x, this, clip, source);
    }

    /** The value a crop/pad step pads the normalised image with. */
    public float padValue(float[] normalised, double clip) {
        return kind().padValue(normalised, this, clip);
    }

    public static String names() {
        return String.join(", ", Arrays.stream(Kind.values()).map(Kind::label).toList());
    }

    /** Mean and population standard deviation (two passes, double) of all voxels, or of the non-zero ones. */
    static double[] meanStd(float[] x, boolean nonZeroOnly) {
        double sum = 0;
        long n = 0;
        for (float v : x) {
            if (nonZeroOnly && v == 0f) continue;
            sum += v;
            n++;
        }
        if (n == 0) return new double[] {0, 0};
        double mean = sum / n, sq = 0;
        for (float v : x) {
            if (nonZeroOnly && v == 0f) continue;
            sq += (v - mean) * (v - mean);
        }
        return new double[] {mean, Math.sqrt(sq / n)};
    }

    private static float[] affine(float[] x, double mean, double std, boolean keepZeros) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) out[i] = keepZeros && x[i] == 0f ? 0f : (float) ((x[i] - mean) / std);
        return out;
    }

    private static float min(float[] x) {
        float m = Float.POSITIVE_INFINITY;
        for (float v : x) m = Math.min(m, v);
        return x.length == 0 ? 0f : m;
    }

    @Override
    public String toString() {
        Kind k = kind();
        if (k == Kind.CT) return name + "(low " + low + ", high " + high + ", mean " + mean + ", std " + std + ")";
        if (k == Kind.WINDOW) return name + "(low " + low + ", high " + high + ")";
        return name;
    }
}
