package dev.unetscope.volume;

import dev.unetscope.io.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** The one entry point for reading and writing volumes; the format follows the file name. */
public final class VolumeIO {
    private VolumeIO() {}

    private enum Kind { NIFTI, METAIMAGE }

    /** True for names ending .nii, .nii.gz, .mhd or .mha (any case). */
    public static boolean isVolumeFile(Path p) {
        return kind(p) != null;
    }

    /** Channel 0 of the file. */
    public static Volume read(Path p) {
        return load(p, 0).volume();
    }

    public static Volume read(Path p, int channel) {
        return load(p, channel).volume();
    }

    /**
     * Reads channel {@code channel} with what the file says about its format, datatype and channels.
     *
     * @throws BadInputException for a missing file, an unknown extension, or any fault in the file
     */
    public static LoadedVolume load(Path p, int channel) {
        Kind k = kind(p);
        if (k == null) {
            throw new BadInputException(p, "unknown volume file type", "give a .nii, .nii.gz, .mhd or .mha file");
        }
        if (!Files.exists(p)) throw new BadInputException(p, "file not found", "check the path");
        if (Files.isDirectory(p)) throw new BadInputException(p, "is a folder, not a volume file", "give a .nii, .nii.gz, .mhd or .mha file");
        return k == Kind.NIFTI ? NiftiReader.read(p, channel) : MetaImageReader.read(p, channel);
    }

    /**
     * Writes float32 NIfTI-1 (.nii, or gzip for .nii.gz), atomically.
     *
     * @throws BadInputException if the name is not .nii or .nii.gz (MetaImage writing is not supported)
     */
    public static void write(Volume v, Path p) {
        if (kind(p) != Kind.NIFTI) {
            throw new BadInputException(p, "cannot write this file type", "name the output .nii or .nii.gz");
        }
        NiftiWriter.write(v, p);
    }

    private static Kind kind(Path p) {
        Path name = p.getFileName();
        if (name == null) return null;
        String n = name.toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".nii") || n.endsWith(".nii.gz")) return Kind.NIFTI;
        if (n.endsWith(".mhd") || n.endsWith(".mha")) return Kind.METAIMAGE;
        return null;
    }
}
