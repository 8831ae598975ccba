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
    private final int inputChannels;

    private Dataset(Path root, String layout, List<Case> cases, int channel, LabelMerge labels) {
        this.root = root;
        if (labels == null) labels = LabelMerge.ALL_POSITIVE;
        this.layout = layout;
        this.cases = List.copyOf(cases);
        this.channel = channel;
        this.labels = labels;
        this.inputChannels = cases.isEmpty() ? 1 : cases.get(0).channels().size();
    }

    /** A channel file's name: the case's stem, {@code _} and four digits ({@code CASE_0001.nii.gz}), as nnU-Net names them. */
    static final java.util.regex.Pattern CHANNEL_FILE = java.util.regex.Pattern.compile("(.+)_(\\d{4})");

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
        return openQuery(root, channel, labels, 1);
    }

    /**
     * A query set of scans with {@code channels} input channels each: with more than one, an unlabelled
     * {@code images/} folder is read as channel files ({@code CASE_0000}, {@code CASE_0001}, ...), one case per
     * stem; a set whose cases have another channel count is refused in one line.
     */
    public static Dataset openQuery(Path root, int channel, LabelMerge labels, int channels) {
        Dataset ds;
        if (Files.isRegularFile(root.resolve("dataset.json"))) {
            List<Case> cases = readDecathlon(root, false);
            ds = cases.isEmpty() ? open(root, channel, labels, true, channels) : new Dataset(root, "decathlon", cases, channel, labels);
        } else {
            ds = open(root, channel, labels, false, channels);
        }
        return ds.expectChannels(channels);
    }

    /** This dataset, refused in one line unless its cases have {@code channels} input channels. */
    public Dataset expectChannels(int channels) {
        if (inputChannels != channels) {
            Case c = cases.get(0);
            throw new BadInputException(c.image(), "case '" + c.id() + "' has " + inputChannels + " input channel(s) but the experiment's cases have " + channels,
                    channels > 1 ? "give every case's " + channels + " channels as CASE_0000, CASE_0001, ... files" : "give one image per case, as the experiment's");
        }
        return this;
    }

    /** Whether every case has a mask. */
    public boolean labelled() {
        return cases.stream().allMatch(Case::labelled);
    }

    public static Dataset open(Path root, int channel, LabelMerge labels, boolean includeTest) {
        return open(root, channel, labels, includeTest, 1);
    }

    /** @param channels input channels expected of an unlabelled folder (more than one: channel files grouped by case) */
    public static Dataset open(Path root, int channel, LabelMerge labels, boolean includeTest, int channels) {
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
            cases = readFolder(root, channels);
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
        if ((training.isMissingNode() || training.isNull()) && node.path("channel_names").isObject()) {
            return readNnunetRaw(root, json, node, includeTest);
        }
        int declared = declaredChannels(node);
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
            List<Path> channels = resolveImage(root, json, entry.get("image"), where, declared);
            Path image = channels.get(0);
            Path label = resolveEntry(root, json, entry.get("label"), where, "label");
            if (label.equals(image)) {
                throw new BadInputException(json, where + " names the same file as image and label (" + image.getFileName() + ")", "point \"label\" at the mask");
            }
            Case c = new Case(channels.size() > 1 ? stem(Path.of(entry.get("image").asText())) : caseId(image), image, label, channels);
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
                JsonNode value = entry.isObject() ? entry.get("image") : entry;
                List<Path> channels = resolveImage(root, json, value, where, declared);
                Case c = new Case(channels.size() > 1 ? stem(Path.of(value.asText())) : caseId(channels.get(0)), channels.get(0), null, channels);
                unique(json, seenIds, c.id(), where);
                cases.add(c);
            }
        }
        return sameChannels(cases);
    }

    /** Input channels dataset.json declares ({@code channel_names}, or the Decathlon's {@code modality}); 1 when it declares none. */
    static int declaredChannels(JsonNode node) {
        JsonNode n = node.path("channel_names");
        if (!n.isObject()) n = node.path("modality");
        return n.isObject() && n.size() > 0 ? n.size() : 1;
    }

    /**
     * A training or test entry's image: the named file itself, or, where it does not exist but
     * {@code STEM_0000.EXT} does (nnU-Net's naming of a case's channels), every channel file
     * {@code STEM_0000}, {@code STEM_0001}, ... (as many as dataset.json declares, when it declares several).
     */
    private static List<Path> resolveImage(Path root, Path json, JsonNode value, String where, int declared) {
        if (value != null && value.isTextual() && !value.asText().isBlank()) {
            try {
                Path named = root.resolve(value.asText()).normalize();
                String[] se = stemExt(named);
                if (!Files.exists(named) && se != null && Files.isRegularFile(named.resolveSibling(se[0] + "_0000" + se[1]))) {
                    resolveEntry(root, json, new com.fasterxml.jackson.databind.node.TextNode(value.asText().replaceFirst(java.util.regex.Pattern.quote(se[1]) + "$", "_0000" + se[1])), where, "image");
                    return channelFiles(named.getParent(), se[0], se[1], declared > 1 ? declared : 0);
                }
            } catch (java.nio.file.InvalidPathException e) {
                // refused below with the entry named
            }
        }
        return List.of(resolveEntry(root, json, value, where, "image"));
    }

    /**
     * The channel files {@code STEM_0000.EXT}, {@code STEM_0001.EXT}, ... in {@code dir}: {@code count} of
     * them (a missing one refused, naming it), or as many as are there in order when {@code count} is 0.
     */
    static List<Path> channelFiles(Path dir, String stem, String ext, int count) {
        List<Path> out = new ArrayList<>();
        for (int k = 0; count == 0 || k < count; k++) {
            Path f = dir.resolve(stem + String.format(java.util.Locale.ROOT, "_%04d", k) + ext);
            if (!Files.isRegularFile(f)) {
                if (count == 0 && k > 0) break;
                throw new BadInputException(f, "is missing: case '" + stem + "' needs " + (count == 0 ? "channel 0" : count + " channel files (_0000 to "
                        + String.format(java.util.Locale.ROOT, "_%04d", count - 1) + ")"), "restore the channel file, or remove the case");
            }
            out.add(f);
        }
        return out;
    }

    /** Every case with the same number of channels, else the first file missing from a case with fewer, named. */
    private static List<Case> sameChannels(List<Case> cases) {
        int most = cases.stream().mapToInt(c -> c.channels().size()).max().orElse(1);
        for (Case c : cases) {
            int n = c.channels().size();
            if (n == most) continue;
            Path first = c.channels().get(0);
            String[] se = stemExt(first);
            java.util.regex.Matcher m = se == null ? null : CHANNEL_FILE.matcher(se[0]);
            Path missing = m != null && m.matches() ? first.resolveSibling(m.group(1) + String.format(java.util.Locale.ROOT, "_%04d", n) + se[1]) : first;
            throw new BadInputException(missing, "is missing: case '" + c.id() + "' has " + n + " input channel(s), other cases " + most,
                    "give every case all " + most + " channel files (_0000 to " + String.format(java.util.Locale.ROOT, "_%04d", most - 1) + "), or remove the case");
        }
        return cases;
    }

    /**
     * nnU-Net's raw layout: {@code dataset.json} with {@code channel_names} (and {@code file_ending}),
     * {@code imagesTr/CASE_0000.EXT} ... one file per channel, {@code labelsTr/CASE.EXT}, and unlabelled
     * {@code imagesTs/CASE_0000.EXT} ...
     */
    private static List<Case> readNnunetRaw(Path root, Path json, JsonNode node, boolean includeTest) {
        int channels = declaredChannels(node);
        String ext = node.path("file_ending").asText(".nii.gz");
        Path images = root.resolve("imagesTr"), labels = root.resolve("labelsTr");
        if (!Files.isDirectory(images) || !Files.isDirectory(labels)) {
            throw new BadInputException(json, "declares channel_names but " + (Files.isDirectory(images) ? "labelsTr/" : "imagesTr/") + " is missing",
                    "nnU-Net's raw layout holds imagesTr/CASE_0000" + ext + " ... and labelsTr/CASE" + ext);
        }
        List<Case> cases = new ArrayList<>();
        java.util.Set<String> stems = new java.util.TreeSet<>(grouped(images, ext).keySet());
        for (Path label : list(labels, ext)) {
            String id = stemExt(label)[0];
            List<Path> files = channelFiles(images, id, ext, channels);
            cases.add(new Case(id, files.get(0), label, files));
            stems.remove(id);
        }
        if (!stems.isEmpty()) {
            String id = stems.iterator().next();
            throw new BadInputException(images.resolve(id + "_0000" + ext), "has no mask labelsTr/" + id + ext, "put the mask under labelsTr/, or remove the case's images");
        }
        if (includeTest && Files.isDirectory(root.resolve("imagesTs"))) {
            for (String id : grouped(root.resolve("imagesTs"), ext).keySet()) {
                List<Path> files = channelFiles(root.resolve("imagesTs"), id, ext, channels);
                cases.add(new Case(id, files.get(0), null, files));
            }
        }
        return cases;
    }

    /** Volume files of {@code dir} ending {@code ext}, sorted by name. */
    private static List<Path> list(Path dir, String ext) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().endsWith(ext) && !p.getFileName().toString().startsWith("."))
                    .sorted(Comparator.comparing(Path::toString)).toList();
        } catch (IOException e) {
            throw new BadInputException(dir, "cannot be listed: " + e.getMessage(), "check the folder's permissions");
        }
    }

    /** Channel files of {@code dir} by case stem ({@code CASE_0001.EXT} under {@code CASE}); a file not so named is refused. */
    private static java.util.SortedMap<String, List<Path>> grouped(Path dir, String ext) {
        java.util.SortedMap<String, List<Path>> out = new java.util.TreeMap<>();
        for (Path f : list(dir, ext)) {
            java.util.regex.Matcher m = CHANNEL_FILE.matcher(stemExt(f)[0]);
            if (!m.matches()) {
                throw new BadInputException(f, "is not named as a channel file CASE_0000" + ext, "name each case's channels CASE_0000" + ext + ", CASE_0001" + ext + ", ...");
            }
            out.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(f);
        }
        return out;
    }

    /** {stem, extension} of a volume file name ({@code .nii.gz}, {@code .nii}, {@code .mhd}, {@code .mha}, any case), or null. */
    static String[] stemExt(Path file) {
        String n = file.getFileName().toString();
        String lower = n.toLowerCase(java.util.Locale.ROOT);
        for (String ext : new String[] {".nii.gz", ".nii", ".mhd", ".mha"}) {
            if (lower.endsWith(ext)) return new String[] {n.substring(0, n.length() - ext.length()), n.substring(n.length() - ext.length())};
        }
        return null;
    }

    private static String stem(Path file) {
        String[] se = stemExt(file);
        return se == null ? file.getFileName().toString() : se[0];
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

    private static List<Case> readFolder(Path root, int channels) {
        Path images = root.resolve("images");
        Path labels = root.resolve("labels");
        boolean labelled = Files.isDirectory(labels);
        List<Case> grouped = readChannelFolder(images, labelled ? labels : null, channels);
        if (grouped != null) return grouped;
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

    /**
     * The folder layout with a case's channels as files {@code images/CASE_0000.EXT}, {@code CASE_0001.EXT},
     * ... beside {@code labels/CASE.EXT}; null when the folder is not so laid out (its images are one file
     * per case). Labelled, it is so laid out when every image is named as a channel file and the first one's
     * mask is named without the suffix; unlabelled, when {@code channels} is above 1 and every image is
     * named as a channel file.
     */
    private static List<Case> readChannelFolder(Path images, Path labels, int channels) {
        List<Path> files;
        try (Stream<Path> s = Files.list(images)) {
            files = s.filter(Files::isRegularFile).filter(VolumeIO::isVolumeFile).filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted(Comparator.comparing(Path::toString)).toList();
        } catch (IOException e) {
            throw new BadInputException(images, "cannot be listed: " + e.getMessage(), "check the folder's permissions");
        }
        if (files.isEmpty() || !files.stream().allMatch(f -> CHANNEL_FILE.matcher(stemExt(f)[0]).matches())) return null;
        if (labels == null ? channels <= 1 : Files.exists(labels.resolve(files.get(0).getFileName()))) return null;
        java.util.SortedMap<String, String> stems = new java.util.TreeMap<>();
        for (Path f : files) {
            java.util.regex.Matcher m = CHANNEL_FILE.matcher(stemExt(f)[0]);
            m.matches();
            stems.putIfAbsent(m.group(1), stemExt(f)[1]);
        }
        int count = labels == null ? channels : 0;
        List<Case> cases = new ArrayList<>();
        for (var e : stems.entrySet()) {
            List<Path> ch = channelFiles(images, e.getKey(), e.getValue(), count);
            Path label = null;
            if (labels != null) {
                label = labels.resolve(e.getKey() + e.getValue());
                if (!Files.isRegularFile(label)) {
                    throw new BadInputException(ch.get(0), "has no mask " + label, "put the mask under labels/ named as the case (without _0000), or remove the case's images");
                }
            }
            cases.add(new Case(e.getKey(), ch.get(0), label, ch));
        }
        if (labels != null) {
            for (Path label : list(labels, "")) {
                if (!VolumeIO.isVolumeFile(label)) continue;
                String[] se = stemExt(label);
                if (!stems.containsKey(se[0])) {
                    throw new BadInputException(label, "is a mask without an image images/" + se[0] + "_0000" + se[1], "name the mask as its case, or remove it");
                }
            }
        }
        return sameChannels(cases);
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
        Volume image = VolumeIO.read(c.image(), c.channels().size() > 1 ? 0 : channel);
        List<Volume> more = new ArrayList<>();
        for (int k = 1; k < c.channels().size(); k++) more.add(channel(c, k, image));
        if (!c.labelled()) return new LabelledVolume(c.id(), image, null, more);
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
        return new LabelledVolume(c.id(), image, image.withData(m), more);
    }

    /** Input channels of every case (1 unless the cases are channel files). */
    public int inputChannels() {
        return inputChannels;
    }

    /** Channel {@code k} of the case, checked to share channel 0's shape and grid (one line naming the file otherwise). */
    static Volume channel(Case c, int k, Volume first) {
        Path f = c.channels().get(k);
        Volume v = VolumeIO.read(f, 0);
        if (!v.sameDims(first)) {
            throw new BadInputException(f, "channel " + k + " shape " + v.dimsString() + " differs from channel 0's " + first.dimsString() + " (" + c.image().getFileName() + ")",
                    "every channel of a case must be co-registered on one grid; resample it to channel 0's");
        }
        if (!v.sameGrid(first, GRID_TOLERANCE_MM)) {
            throw new BadInputException(f, "channel " + k + " spacing or affine differs from channel 0's (" + c.image().getFileName() + ")",
                    "every channel of a case must be co-registered on one grid; resample it to channel 0's");
        }
        return v;
    }
}
