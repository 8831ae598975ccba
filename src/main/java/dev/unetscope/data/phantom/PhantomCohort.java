package dev.unetscope.data.phantom;

import dev.unetscope.data.DecathlonWriter;
import dev.unetscope.data.LabelledVolume;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes phantoms as a Decathlon-layout dataset. A case is fixed by (seed, index), so the same
 * indices written under another shift are the same anatomy with another appearance: paired shifts.
 */
public final class PhantomCohort {
    private PhantomCohort() {}

    public static final String GENERATOR = "unetscope-phantom-1";

    /** Writes cases {@code indices} of the cohort {@code (config, seed)} to {@code out}; returns what was recorded in dataset.json. */
    public static Map<String, Object> write(Path out, PhantomConfig config, long seed, List<Integer> indices, boolean overwrite) {
        PhantomGenerator gen = new PhantomGenerator(config);
        Map<String, Object> prov = provenance(config, seed, indices);
        try (DecathlonWriter w = new DecathlonWriter(out, "unetscope phantoms", overwrite)) {
            for (int i : indices) {
                PhantomCase c = gen.generate(seed, i);
                w.add(new LabelledVolume(c.name(), c.image(), c.mask()));
            }
            w.finish("Synthetic T2-weighted pelvic phantoms with whole-gland masks (shift " + config.shift().toSpec() + ")", prov);
        }
        return prov;
    }

    public static Map<String, Object> provenance(PhantomConfig config, long seed, List<Integer> indices) {
        Map<String, Object> prov = new LinkedHashMap<>();
        prov.put("generator", GENERATOR);
        prov.put("seed", seed);
        prov.put("cases", indices.size());
        prov.put("indices", indices);
        prov.put("dims", new int[] {config.nx(), config.ny(), config.nz()});
        prov.put("spacing", config.spacing());
        prov.put("shift", config.shift().asMap());
        return prov;
    }

    /** The case index of a phantom name ({@code phantom_0007} is 7). */
    public static int indexOf(String name) {
        int u = name.lastIndexOf('_');
        try {
            return Integer.parseInt(name.substring(u + 1));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a phantom case name: " + name, e);
        }
    }
}
