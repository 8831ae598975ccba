package dev.unetscope.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.unetscope.io.AtomicFile;
import dev.unetscope.io.AtomicFolder;
import dev.unetscope.io.BadInputException;
import dev.unetscope.volume.DataType;
import dev.unetscope.volume.NiftiWriter;
import dev.unetscope.volume.VolumeIO;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a dataset in the Medical Segmentation Decathlon layout, one case at a time (memory does not
 * grow with the cohort). Everything goes into a hidden sibling folder that is renamed to the target
 * only when {@code dataset.json} is complete, so a crash leaves the old dataset (or nothing) in place.
 */
public final class DecathlonWriter implements AutoCloseable {
    private final Path target;
    private final Path staging;
    private final String name;
    private final List<Map<String, String>> training = new ArrayList<>();
    private final List<String> test = new ArrayList<>();
    private boolean finished;
    private int channels;

    /** @param overwrite replace an existing dataset at {@code target}; without it an existing one is an error */
    public DecathlonWriter(Path target, String name, boolean overwrite) {
        this.target = target.toAbsolutePath().normalize();
        this.name = name;
        if (Files.exists(this.target) && !overwrite) {
            throw new BadInputException(target, "already exists", "choose another --out, or pass --overwrite to replace it");
        }
        if (Files.exists(this.target) && !Files.isDirectory(this.target)) {
            throw new BadInputException(target, "exists and is not a folder", "choose another --out");
        }
        try {
            this.staging = AtomicFolder.staging(this.target);
            Files.createDirectories(staging.resolve("imagesTr"));
            Files.createDirectories(staging.resolve("labelsTr"));
            Files.createDirectories(staging.resolve("imagesTs"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + target + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes one case. A case of several input channels is written as nnU-Net names them,
     * {@code ID_0000.nii.gz}, {@code ID_0001.nii.gz}, ..., its entry naming {@code ./imagesTr/ID.nii.gz}
     * (nnU-Net v1's convention) and {@code modality} listing the channels.
     */
    public void add(LabelledVolume c) {
        String file = c.id() + ".nii.gz";
        if (channels == 0) channels = c.channels();
        else if (channels != c.channels()) throw new IllegalArgumentException("case " + c.id() + " has " + c.channels() + " channels, others " + channels);
        if (c.channels() > 1) {
            Path dir = staging.resolve(c.labelled() ? "imagesTr" : "imagesTs");
            java.util.List<dev.unetscope.volume.Volume> all = c.allChannels();
            for (int k = 0; k < all.size(); k++) VolumeIO.write(all.get(k), dir.resolve(c.id() + String.format(java.util.Locale.ROOT, "_%04d", k) + ".nii.gz"));
        }
        if (c.labelled()) {
            if (c.channels() == 1) VolumeIO.write(c.image(), staging.resolve("imagesTr").resolve(file));
            NiftiWriter.write(c.mask(), staging.resolve("labelsTr").resolve(file), DataType.UINT8);
            Map<String, String> e = new LinkedHashMap<>();
            e.put("image", "./imagesTr/" + file);
            e.put("label", "./labelsTr/" + file);
            training.add(e);
        } else {
            if (c.channels() == 1) VolumeIO.write(c.image(), staging.resolve("imagesTs").resolve(file));
            test.add("./imagesTs/" + file);
        }
    }

    /** Writes {@code dataset.json} (with {@code provenance} under "unetscope") and moves the dataset into place. */
    public void finish(String description, Map<String, Object> provenance) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("name", name);
        json.put("description", description);
        json.put("tensorImageSize", "3D");
        Map<String, String> modality = new java.util.TreeMap<>(Map.of("0", "T2"));
        for (int k = 1; k < channels; k++) modality.put(Integer.toString(k), "channel " + k);
        json.put("modality", modality);
        // a sorted map: Map.of iterates in an order that changes from one JVM to the next, and the file must not
        json.put("labels", new java.util.TreeMap<>(Map.of("0", "background", "1", "gland")));
        json.put("numTraining", training.size());
        json.put("numTest", test.size());
        json.put("training", training);
        json.put("test", test);
        json.put("unetscope", provenance);
        try {
            AtomicFile.writeBytes(staging.resolve("dataset.json"), new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(json));
            AtomicFolder.replace(staging, target);
            finished = true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot finish " + target + ": " + e.getMessage(), e);
        }
    }

    /** Without {@link #finish}, removes the partial dataset and leaves the target as it was. */
    @Override
    public void close() {
        if (!finished) AtomicFolder.delete(staging);
    }
}
