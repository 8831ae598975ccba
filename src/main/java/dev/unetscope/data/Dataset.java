package dev.unetscope.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unetscope.io.BadInputException;
import dev.unetscope.volume.Volume;
import dev.unetscope.volume.VolumeIO;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A set of cases on disk, in one of the layouts people already have:
 * <ul>
 *   <li>the Medical Segmentation Decathlon: {@code dataset.json}, {@code imagesTr/}, {@code labelsTr/}, {@code imagesTs/};</li>
 *   <li>a plain folder: {@code images/NAME.nii.gz} beside {@code labels/NAME.nii.gz} (or {@code .mhd}); without {@code labels/} the set is unlabelled.</li>
 * </ul>
 * Opening checks that every named file exists; reading a case checks the image and mask agree.
 */
public final class Dataset {
    /** Affines may differ by rounding between writers; a tenth of a micrometre is not a disagreement. */
    static final double GRID_TOLERANCE_MM = 1e-4;

    private final Path root;
    private final String layout;
    private final List<Case> cases;
    private final int channel;
    private final LabelMerge labels;

    private Dataset(Path root, String layout, List<Case> cases, int channel, LabelMerge labels) {
        this.root = root;
        this.layout = layout;
        this.cases = List.copyOf(cases);
        this.channel = channel;
        this.labels = labels;
    }

    public static Dataset open(Path root) {
        return open(root, 0, LabelMerge.ALL_POSITIVE, false);
    }

    /**
     * @param channel image channel for 4D files (T2 is channel 0 of the Decathlon prostate images)
     * @param includeTest also list the Decathlon's unlabelled {@code imagesTs/} cases
     */
    /**
     * A query set, labelled or not: a folder layout as it is ({@code labels/} absent means unlabelled);
     * a Decathlon folder's labelled {@code training} cases, or its {@code imagesTs/} test images when it
     * lists no training cases.
     */
    public static Dataset openQuery(Path root, int channel, LabelMerge labels) {
        if (Files.isRegularFile(root.resolve("dataset.json"))) {
            List<Case> cases = readDecathlon(root, false);
            if (cases.isEmpty()) return open(root, channel, labels, true);
            return new Dataset(root, "decathlon", cases, channel, labels);
        }
        return open(root, channel, labels, false);
    }

    /** Whether every case has a mask. */
    public boolean labelled() {
        return cases.stream().allMatch(Case::labelled);
    }

    public static Dataset open(Path root, int channel, LabelMerge labels, boolean includeTest) {
        if (!Files.isDirectory(root)) {
            throw new BadInputException(root, "dataset folder does not exist", "give a folder in the Decathlon layout (dataset.json, imagesTr/, labelsTr/) or images/ + labels/");
        }
        List<Case> cases;
        String layout;
        if (Files.isRegularFile(root.resolve("dataset.json"))) {
            layout = "decathlon";
            cases = readDecathlon(root, includeTest);
        } else if (Files.isDirectory(root.resolve("images"))) {
            layout = "folder";
            cases = readFolder(root);
        } else {
            throw new BadInputException(root, "is neither a Decathlon dataset (no dataset.json) nor a folder layout (no images/)", "point at the folder that holds dataset.json or images/");
        }
        if (cases.isEmpty()) {
            throw new BadInputException(root, "the dataset has no cases", "add images (and labels), or check the folder");
        }
        return new Dataset(root, layout, cases, channel, labels);
    }

    private static List<Case> readDecathlon(Path root, boolean includeTest) {
        Path json = root.resolve("dataset.json");
        JsonNode node;
        try {
            node = new ObjectMapper().readTree(json.toFile());
        } catch (IOException e) {
            throw new BadInputException(json, "is not valid JSON: " + firstLine(e.getMessage()), "repair or regenerate dataset.json");
        }
        List<Case> cases = new ArrayList<>();
        JsonNode training = node.path("training");
        if (!training.isArray()) {
            throw new BadInputException(json, "has no \"training\" list", "a Decathlon dataset.json lists its cases under \"training\"");
        }
        for (JsonNode entry : training) {
            Path image = resolveEntry(root, json, entry.path("image").asText(null), "image");
            Path label = resolveEntry(root, json, entry.path("label").asText(null), "label");
            cases.add(new Case(caseId(image), image, label));
        }
        if (includeTest) {
            for (JsonNode entry : node.path("test")) {
                String rel = entry.isTextual() ? entry.asText() : entry.path("image").asText(null);
                Path image = resolveEntry(root, json, rel, "test image");
                cases.add(new Case(caseId(image), image, null));
            }
        }
        return cases;
    }

    private static Path resolveEntry(Path root, Path json, String rel, String what) {
        if (rel == null || rel.isBlank()) {
            throw new BadInputException(json, "has an entry without its " + what + " path", "every entry needs \"image\" and \"label\"");
        }
        Path p = root.resolve(rel).normalize();
        if (!Files.isRegularFile(p)) {
            throw new BadInputException(json, "names " + what + " " + rel + " which does not exist", "restore the file or remove its entry from dataset.json");
        }
        return p;
    }

    private static List<Case> readFolder(Path root) {
        Path images = root.resolve("images");
        Path labels = root.resolve("labels");
        boolean labelled = Files.isDirectory(labels);
        List<Case> cases = new ArrayList<>();
        try (Stream<Path> s = Files.list(images)) {
            for (Path image : s.filter(Files::isRegularFile).filter(VolumeIO::isVolumeFile).sorted(Comparator.comparing(Path::toString)).toList()) {
                Path label = null;
                if (labelled) {
                    label = labels.resolve(image.getFileName().toString());
                    if (!Files.isRegularFile(label)) {
                        throw new BadInputException(image, "has no mask " + label, "put the mask under labels/ with the same file name, or remove the image");
                    }
                }
                cases.add(new Case(caseId(image), image, label));
            }
        } catch (IOException e) {
            throw new BadInputException(images, "cannot be listed: " + e.getMessage(), "check the folder's permissions");
        }
        return cases;
    }

    /** The file name without its volume extension; Decathlon images may carry a _0000 channel suffix. */
    static String caseId(Path file) {
        String n = file.getFileName().toString();
        for (String ext : new String[] {".nii.gz", ".nii", ".mhd", ".mha"}) {
            if (n.endsWith(ext)) {
                n = n.substring(0, n.length() - ext.length());
                break;
            }
        }
        return n;
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }

    public Path root() { return root; }
    public String layout() { return layout; }
    public List<Case> cases() { return cases; }
    public int channel() { return channel; }
    public LabelMerge labels() { return labels; }
    public int size() { return cases.size(); }

    public Map<String, Case> byId() {
        Map<String, Case> m = new LinkedHashMap<>();
        for (Case c : cases) m.put(c.id(), c);
        return m;
    }

    /** Reads a case: the image's channel, and its mask binarised by the label merge, checked to share the image's grid. */
    public LabelledVolume read(Case c) {
        Volume image = VolumeIO.read(c.image(), channel);
        if (!c.labelled()) return new LabelledVolume(c.id(), image, null);
        Volume raw = VolumeIO.read(c.label(), 0);
        if (!raw.sameDims(image)) {
            throw new BadInputException(c.label(), "mask shape " + raw.dimsString() + " differs from its image's " + image.dimsString() + " (" + c.image().getFileName() + ")",
                    "the mask must be drawn on the image's grid; resample it or fix the pairing");
        }
        if (!raw.sameGrid(image, GRID_TOLERANCE_MM)) {
            throw new BadInputException(c.label(), "mask affine or spacing differs from its image's (" + c.image().getFileName() + ")",
                    "the mask must be drawn on the image's grid; check that the right files are paired");
        }
        float[] m = new float[raw.size()];
        float[] r = raw.data();
        for (int i = 0; i < m.length; i++) m[i] = labels.isGland(r[i]) ? 1f : 0f;
        return new LabelledVolume(c.id(), image, image.withData(m));
    }
}
