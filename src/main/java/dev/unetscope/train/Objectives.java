package dev.unetscope.train;

import dev.unetscope.io.BadInputException;

import java.util.List;
import java.util.Locale;

/** The four objectives by name. */
public final class Objectives {
    private Objectives() {}

    /** Valid names, in the order the paper lists them. */
    public static final List<String> NAMES = List.of("dice", "bce", "focal", "tversky");

    /** The objective of that name with its default settings. */
    public static Objective byName(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        return switch (n) {
            case "dice" -> new SoftDiceLoss();
            case "bce" -> new BinaryCrossEntropyLoss();
            case "focal" -> new FocalLoss();
            case "tversky" -> new TverskyLoss();
            default -> throw new BadInputException("unknown objective '" + name + "'",
                    "valid objectives: " + String.join(", ", NAMES));
        };
    }
}
