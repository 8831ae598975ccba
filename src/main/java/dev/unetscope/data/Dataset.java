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
 * Opening checks the listing (dataset.json's entries, the folder's pairing) and that every named file
 * exists; {@link DatasetCheck} then reads every case before a stage uses the set; reading a case
 * checks the image and mask agree.
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
        if (labels == null) labels = LabelMerge.ALL_POSITIVE;
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
        if (Files.isRegularFile(root)) {
            throw new BadInputException(root, "is a file, not a dataset folder", "give the folder that holds dataset.json, or images/ and labels/");
        }
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
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            var at = e.getLocation();
            String what = firstLine(e.getOriginalMessage());
            if (what.contains(" (start marker")) what = what.substring(0, what.indexOf(" (start marker"));
            throw new BadInputException(json, "is not valid JSON: " + what + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()),
                    "repair or regenerate dataset.json");
        } catch (IOException e) {
            throw new BadInputException(json, "cannot be read: " + firstLine(e.getMessage()), "check the file's permissions");
        }
        if (node == null || !node.isObject()) {
            throw new BadInputException(json, "is not a JSON object (it is " + kind(node) + ")", "a Decathlon dataset.json is an object with a \"training\" list");
        }
        declaredLabels(json, node); // a malformed "labels" is refused when the dataset is opened
        List<Case> cases = new ArrayList<>();
        JsonNode training = node.path("training");
        if (training.isMissingNode() || training.isNull()) {
            throw new BadInputException(json, "has no \"training\" list", "a Decathlon dataset.json lists its cases under \"training\" as {\"image\": ..., \"label\": ...}");
        }
        if (!training.isArray()) {
            throw new BadInputException(json, "\"training\" is " + kind(training) + ", not a list", "write \"training\": [{\"image\": ..., \"label\": ...}, ...]");
        }
        Map<String, String> seenIds = new LinkedHashMap<>();
        Map<Path, String> seenLabels = new LinkedHashMap<>();
        for (int i = 0; i < training.size(); i++) {
            JsonNode entry = training.get(i);
            String where = "training[" + i + "]";
            if (!entry.isObject()) {
                throw new BadInputException(json, where + " is " + kind(entry) + ", not {\"image\": ..., \"label\": ...}", "write each training entry as an object with \"image\" and \"label\" paths");
            }
            Path image = resolveEntry(root, json, entry.get("image"), where, "image");
            Path label = resolveEntry(root, json, entry.get("label"), where, "label");
            if (label.equals(image)) {
                throw new BadInputException(json, where + " names the same file as image and label (" + image.getFileName() + ")", "point \"label\" at the mask");
            }
            Case c = new Case(caseId(image), image, label);
            unique(json, seenIds, c.id(), where);
            String other = seenLabels.put(label, where);
            if (other != null) {
                throw new BadInputException(json, where + " and " + other + " share the label " + label.getFileName(), "each case needs its own mask; fix the pairing");
            }
            cases.add(c);
        }
        if (includeTest) {
            JsonNode test = node.path("test");
            if (!test.isMissingNode() && !test.isNull() && !test.isArray()) {
                throw new BadInputException(json, "\"test\" is " + kind(test) + ", not a list", "write \"test\": [\"./imagesTs/NAME.nii.gz\", ...]");
            }
            for (int i = 0; i < test.size(); i++) {
                JsonNode entry = test.get(i);
                String where = "test[" + i + "]";
                Path image = resolveEntry(root, json, entry.isObject() ? entry.get("image") : entry, where, "image");
                Case c = new Case(caseId(image), image, null);
                unique(json, seenIds, c.id(), where);
                cases.add(c);
            }
        }
        return cases;
    }

    /** The same case twice would put one patient in two splits (train and test). */
    private static void unique(Path json, Map<String, String> seen, String id, String where) {
        String other = seen.put(id, where);
        if (other != null) {
            throw new BadInputException(json, where + " and " + other + " are the same case '" + id + "'", "list each case once (one patient in two splits would leak the test set into training)");
        }
    }

    private static Path resolveEntry(Path root, Path json, JsonNode value, String where, String what) {
        if (value == null || value.isNull() || (value.isTextual() && value.asText().isBlank())) {
            throw new BadInputException(json, where + " has no " + what + " path", "every training entry needs \"image\" and \"label\"");
        }
        if (!value.isTextual()) {
            throw new BadInputException(json, where + "'s " + what + " is " + kind(value) + ", not a path", "write the " + what + " as a path string relative to the dataset folder");
        }
        String rel = value.asText();
        Path p, abs;
        Path rootAbs = root.toAbsolutePath().normalize();
        try {
            p = root.resolve(rel).normalize();
            abs = rootAbs.resolve(rel).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            throw new BadInputException(json, where + "'s " + what + " '" + rel + "' is not a valid path", "fix the entry");
        }
        if (Path.of(rel).isAbsolute() || !abs.startsWith(rootAbs)) {
            throw new BadInputException(json, where + "'s " + what + " " + rel + " lies outside the dataset folder", "copy the file into the dataset folder and name it relative to it");
        }
        if (!Files.exists(p)) {
            throw new BadInputException(json, where + " names " + what + " " + rel + " which does not exist", "restore the file or remove its entry from dataset.json");
        }
        if (!Files.isRegularFile(p) || !VolumeIO.isVolumeFile(p)) {
            throw new BadInputException(json, where + "'s " + what + " " + rel + " is not a volume file", "name a .nii, .nii.gz, .mhd or .mha file");
        }
        return p;
    }

    private static String kind(JsonNode n) {
        if (n == null || n.isMissingNode()) return "missing";
        if (n.isNull()) return "null";
        if (n.isArray()) return "a list";
        if (n.isObject()) return "an object";
        if (n.isTextual()) return "a string";
        if (n.isNumber()) return "a number";
        if (n.isBoolean()) return "a boolean";
        return n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * The label values dataset.json declares: MSD's {@code "labels": {"0": "background", "1": "PZ"}}
     * or nnU-Net v2's {@code {"background": 0, "PZ": 1}}; null when it declares none.
     */
    static java.util.SortedSet<Integer> declaredLabels(Path json, JsonNode node) {
        JsonNode labels = node.path("labels");
        if (labels.isMissingNode() || labels.isNull()) return null;
        if (!labels.isObject()) {
            throw new BadInputException(json, "\"labels\" is " + kind(labels) + ", not an object", "write \"labels\": {\"0\": \"background\", \"1\": \"gland\"}");
        }
        java.util.SortedSet<Integer> out = new java.util.TreeSet<>();
        var fields = labels.fields();
        while (fields.hasNext()) {
            var f = fields.next();
            if (f.getKey().matches("-?\\d+")) out.add(Integer.parseInt(f.getKey()));
            else if (f.getValue().isInt()) out.add(f.getValue().asInt());
            else if (f.getValue().isArray()) {
                for (JsonNode v : f.getValue()) if (v.isInt()) out.add(v.asInt()); // nnU-Net v2 regions
            } else {
                throw new BadInputException(json, "\"labels\" entry \"" + f.getKey() + "\" gives no label value", "write \"labels\" as {\"0\": \"background\", \"1\": \"gland\"} or {\"background\": 0, \"gland\": 1}");
            }
        }
        return out;
    }

    private static List<Case> readFolder(Path root) {
        Path images = root.resolve("images");
        Path labels = root.resolve("labels");
        boolean labelled = Files.isDirectory(labels);
        List<Case> cases = new ArrayList<>();
        Map<String, String> seenIds = new LinkedHashMap<>();
        List<Path> others = new ArrayList<>();
        try (Stream<Path> s = Files.list(images)) {
            for (Path image : s.filter(Files::isRegularFile).sorted(Comparator.comparing(Path::toString)).toList()) {
                String name = image.getFileName().toString();
                if (!VolumeIO.isVolumeFile(image)) {
                    // MetaImage data files and hidden files are expected beside the scans; anything else is named if no scan is found
                    if (!name.startsWith(".") && !name.endsWith(".raw") && !name.endsWith(".zraw")) others.add(image);
                    continue;
                }
                Path label = null;
                if (labelled) {
                    label = labels.resolve(image.getFileName().toString());
                    if (!Files.isRegularFile(label)) {
                        throw new BadInputException(image, "has no mask " + label, "put the mask under labels/ with the same file name, or remove the image");
                    }
                }
                String id = caseId(image);
                String other = seenIds.put(id, image.getFileName().toString());
                if (other != null) {
                    throw new BadInputException(image, "is the same case '" + id + "' as images/" + other, "keep one file per case (one patient in two splits would leak the test set into training)");
                }
                cases.add(new Case(id, image, label));
            }
        } catch (IOException e) {
            throw new BadInputException(images, "cannot be listed: " + e.getMessage(), "check the folder's permissions");
        }
        if (cases.isEmpty()) {
            throw new BadInputException(images, others.isEmpty() ? "is empty" : "holds no volume files (" + others.size() + " other files, e.g. " + others.get(0).getFileName() + ")",
                    "put the scans there as .nii, .nii.gz, .mhd or .mha files");
        }
        if (labelled) {
            try (Stream<Path> s = Files.list(labels)) {
                for (Path label : s.filter(Files::isRegularFile).filter(VolumeIO::isVolumeFile).sorted(Comparator.comparing(Path::toString)).toList()) {
                    if (!Files.isRegularFile(images.resolve(label.getFileName().toString()))) {
                        throw new BadInputException(label, "is a mask without an image images/" + label.getFileName(), "name the mask as its image, or remove it");
                    }
                }
            } catch (IOException e) {
                throw new BadInputException(labels, "cannot be listed: " + e.getMessage(), "check the folder's permissions");
            }
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

    /**
     * The label values the dataset declares (dataset.json's "labels"), background included; null when
     * it declares none (the folder layout), and then any non-negative whole value is accepted.
     */
    public java.util.SortedSet<Integer> declaredLabels() {
        Path json = root.resolve("dataset.json");
        if (!layout.equals("decathlon")) return null;
        try {
            return declaredLabels(json, new ObjectMapper().readTree(json.toFile()));
        } catch (IOException e) {
            throw new BadInputException(json, "is not valid JSON: " + firstLine(e.getMessage()), "repair or regenerate dataset.json");
        }
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
