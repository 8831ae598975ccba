package dev.unetscope.volume;

/**
 * A volume as read, with what the file said about it: {@code format} ("nifti-1" or "metaimage"),
 * {@code datatype} of the stored voxels (numpy spelling, e.g. "int16"), and {@code channels}, the
 * number of channels the file holds (the volume is one of them).
 */
public record LoadedVolume(Volume volume, String format, String datatype, int channels) {}
