package dev.unetscope.data;

import java.nio.file.Path;

/** One case of a dataset, by reference: its image file and, where the set is labelled, its mask file. */
public record Case(String id, Path image, Path label) {
    public boolean labelled() {
        return label != null;
    }
}
