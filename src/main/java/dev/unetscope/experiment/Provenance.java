package dev.unetscope.experiment;

import java.util.LinkedHashMap;
import java.util.Map;

/** Library and runtime versions recorded with every experiment and checkpoint, so a result can be traced to how it was made. */
public final class Provenance {
    private Provenance() {}

    public static String unetscopeVersion() {
        String v = Provenance.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    public static Map<String, String> versions() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("unetscope", unetscopeVersion());
        m.put("java", System.getProperty("java.version"));
        m.put("djl", packageVersion("ai.djl.engine.Engine", "0.36.0"));
        m.put("pytorch", "2.7.1");
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        return m;
    }

    private static String packageVersion(String cls, String fallback) {
        try {
            String v = Class.forName(cls).getPackage().getImplementationVersion();
            return v == null ? fallback : v;
        } catch (ClassNotFoundException e) {
            return fallback;
        }
    }
}
