package dev.unetscope.data;

import dev.unetscope.experiment.Experiment;
import dev.unetscope.io.BadInputException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

/**
 * A seeded train / validation / test split of case ids. The ids are sorted first, so the split
 * depends only on the set of ids and the seed, never on the order files were listed in.
 */
public record Splits(long seed, List<String> train, List<String> val, List<String> test) {

    public static final double DEFAULT_TRAIN = 0.6, DEFAULT_VAL = 0.2;

    public static Splits of(List<String> ids, long seed) {
        return of(ids, seed, DEFAULT_TRAIN, DEFAULT_VAL);
    }

    public static Splits of(List<String> ids, long seed, double trainFraction, double valFraction) {
        List<String> sorted = new ArrayList<>(new TreeSet<>(ids));
        if (sorted.size() != ids.size()) throw new BadInputException("case ids are not unique", "rename the duplicated files");
        if (sorted.size() < 3) {
            throw new BadInputException("a split needs at least 3 cases, got " + sorted.size(), "add cases (unetscope synth --cases N makes more phantoms)");
        }
        if (!(trainFraction > 0) || !(valFraction > 0) || trainFraction + valFraction >= 1) {
            throw new BadInputException("split fractions train=" + trainFraction + " val=" + valFraction + " leave no test cases", "use fractions with train + val < 1");
        }
        Collections.shuffle(sorted, new Random(seed));
        int n = sorted.size();
        int nTrain = Math.max(1, (int) Math.round(n * trainFraction));
        int nVal = Math.max(1, (int) Math.round(n * valFraction));
        if (nTrain + nVal > n - 1) nTrain = n - 1 - nVal;
        List<String> train = sorted.subList(0, nTrain);
        List<String> val = sorted.subList(nTrain, nTrain + nVal);
        List<String> test = sorted.subList(nTrain + nVal, n);
        return new Splits(seed, sortedCopy(train), sortedCopy(val), sortedCopy(test));
    }

    private static List<String> sortedCopy(List<String> l) {
        List<String> c = new ArrayList<>(l);
        Collections.sort(c);
        return List.copyOf(c);
    }

    public static final String FILE = "splits.json";

    public void write(Experiment e) {
        e.writeJson(FILE, this);
    }

    public static Splits read(Experiment e) {
        return e.readJson(FILE, Splits.class, "'unetscope demo' (or the data stage)");
    }

    public List<String> get(String name) {
        return switch (name) {
            case "train" -> train;
            case "val" -> val;
            case "test" -> test;
            default -> throw new BadInputException("unknown split '" + name + "'", "use train, val or test");
        };
    }
}
