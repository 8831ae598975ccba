package dev.unetscope.volume;

/**
 * A volume as read, with what the file said about it: {@code format} ("nifti-1" or "metaimage"),
 * {@code datatype} of the stored voxels (numpy spelling, e.g. "int16"), {@code channels}, the
 * number of channels the file holds (the volume is one of them), and {@code headerSpacing}, the voxel
 * size exactly as the header states it (NIfTI's pixdim[1..3] may be 0 or NaN, which the volume's
 * spacing replaces with 1 mm; a dataset check refuses such a file rather than guess).
 */
public record LoadedVolume(Volume volume, String format, String datatype, int channels, double[] headerSpacing) {
    public LoadedVolume(Volume volume, String format, String datatype, int channels) {
        this(volume, format, datatype, channels, volume.spacing());
    }

    public LoadedVolume {
        headerSpacing = headerSpacing.clone();
    }

    @Override
    public double[] headerSpacing() {
        return headerSpacing.clone();
    }
}
