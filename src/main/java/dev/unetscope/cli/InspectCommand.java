package dev.unetscope.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.unetscope.volume.LoadedVolume;
import dev.unetscope.volume.Volume;
import dev.unetscope.volume.VolumeIO;
import dev.unetscope.volume.VolumeStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** Prints what a volume file holds, for a person checking it (text) or a program (JSON). */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Show a volume's dims, spacing, affine, datatype, min/max/mean, non-zero and NaN counts.")
final class InspectCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "A .nii, .nii.gz, .mhd or .mha file.")
    Path file;

    @Option(names = "--channel", defaultValue = "0", description = "Channel of a 4D file (default ${DEFAULT-VALUE}).")
    int channel;

    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> info = describe(file, channel);
        if (json) {
            System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(info));
        } else {
            System.out.print(text(info));
        }
        return 0;
    }

    static Map<String, Object> describe(Path file, int channel) {
        LoadedVolume lv = VolumeIO.load(file, channel);
        Volume v = lv.volume();
        VolumeStats s = VolumeStats.of(v);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("file", file.toString());
        m.put("format", lv.format());
        m.put("datatype", lv.datatype());
        m.put("channels", lv.channels());
        m.put("channel", channel);
        m.put("dims", v.dims());
        m.put("spacing", v.spacing());
        double[] a = v.affine();
        m.put("affine", new double[][] {{a[0], a[1], a[2], a[3]}, {a[4], a[5], a[6], a[7]}, {a[8], a[9], a[10], a[11]}, {a[12], a[13], a[14], a[15]}});
        m.put("voxels", s.voxels());
        m.put("min", finiteOrNull(s.min()));
        m.put("max", finiteOrNull(s.max()));
        m.put("mean", finiteOrNull(s.mean()));
        m.put("nonZero", s.nonZero());
        m.put("nanCount", s.nanCount());
        m.put("infCount", s.infCount());
        return m;
    }

    private static Double finiteOrNull(double d) {
        return Double.isFinite(d) ? d : null;
    }

    static String text(Map<String, Object> m) {
        StringBuilder sb = new StringBuilder();
        int[] d = (int[]) m.get("dims");
        double[] sp = (double[]) m.get("spacing");
        sb.append(m.get("file")).append('\n');
        sb.append(String.format("  format    %s, %s, channel %s of %s%n", m.get("format"), m.get("datatype"), m.get("channel"), m.get("channels")));
        sb.append(String.format("  dims      %d x %d x %d (%s voxels)%n", d[0], d[1], d[2], m.get("voxels")));
        sb.append(String.format("  spacing   %.4g x %.4g x %.4g mm%n", sp[0], sp[1], sp[2]));
        double[][] a = (double[][]) m.get("affine");
        for (int r = 0; r < 3; r++) {
            sb.append(r == 0 ? "  affine    " : "            ");
            sb.append(String.format("[% 9.4f % 9.4f % 9.4f % 10.4f]%n", a[r][0], a[r][1], a[r][2], a[r][3]));
        }
        sb.append(String.format("  values    min %s, max %s, mean %s%n", fmt(m.get("min")), fmt(m.get("max")), fmt(m.get("mean"))));
        sb.append(String.format("  non-zero  %s voxels; NaN %s; Inf %s%n", m.get("nonZero"), m.get("nanCount"), m.get("infCount")));
        return sb.toString();
    }

    private static String fmt(Object o) {
        return o == null ? "-" : String.format("%.4g", (Double) o);
    }
}
