package dev.unetscope.cli;

import dev.unetscope.model.UNetConfig;
import picocli.CommandLine.Option;

import java.util.Locale;

/** Flags that shape the network (MONAI's UNet with num_res_units). */
final class NetworkOptions {
    @Option(names = "--channels", split = ",", defaultValue = "8,16,32,64", paramLabel = "C1,C2,...",
            description = "Channels per level, top to bottleneck (default ${DEFAULT-VALUE}; seed scale 16,32,64,128,256).")
    int[] channels;

    @Option(names = "--strides", split = ",", paramLabel = "S1,S2,...",
            description = "Stride of each level below the top, 1 or 2, one fewer than --channels (default all 2).")
    int[] strides;

    @Option(names = "--res-units", defaultValue = "2", description = "Convolution sub-units per residual unit (default ${DEFAULT-VALUE}).")
    int resUnits;

    @Option(names = "--norm", defaultValue = "instance", description = "instance or batch (default ${DEFAULT-VALUE}).")
    String norm;

    @Option(names = "--act", defaultValue = "prelu", description = "prelu or relu (default ${DEFAULT-VALUE}).")
    String act;

    @Option(names = "--dropout", defaultValue = "0", description = "Dropout rate after each normalisation (default ${DEFAULT-VALUE}).")
    double dropout;

    UNetConfig config() {
        return new UNetConfig(channels, strides, resUnits, parse(UNetConfig.Norm.class, norm, "--norm"),
                parse(UNetConfig.Activation.class, act, "--act"), dropout, 1);
    }

    static <E extends Enum<E>> E parse(Class<E> type, String value, String flag) {
        try {
            return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new dev.unetscope.io.BadInputException(flag + " " + value + " is not one of " + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT), null);
        }
    }
}
