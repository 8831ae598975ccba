package dev.unetscope.cli;

import dev.unetscope.volume.DataType;
import dev.unetscope.volume.NiftiWriter;
import dev.unetscope.volume.Volume;
import dev.unetscope.volume.VolumeIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Datasets that are wrong the way real ones are: each is refused by {@code demo --data DIR --data-only}
 * (the data check, before anything starts) with exit 2, one line naming the file or entry and the
 * problem, and nothing at {@code --out}. The table of these is docs/BAD_INPUTS.md; a test keeps the two
 * in step.
 */
class BadDatasetTest {
    static final int CASES = 6;
    static final int NX = 12, NY = 12, NZ = 6;
    static final double[] SPACING = {1.5, 1.5, 3.0};

    @TempDir
    Path tmp;

    /** Edits a good dataset in place. */
    interface Edit {
        void apply(Path root) throws IOException;
    }

    /**
     * @param name     the test's name for the input (listed in docs/BAD_INPUTS.md)
     * @param layout   "msd" (dataset.json, imagesTr/, labelsTr/) or "folder" (images/, labels/)
     * @param edit     what is wrong with it
     * @param args     extra demo options
     * @param file     what the message must name (a file, an entry or an option)
     * @param problem  what the message must say
     */
    record Bad(String name, String layout, Edit edit, List<String> args, String file, String problem) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Bad msd(String name, Edit edit, String file, String problem, String... args) {
        return new Bad(name, "msd", edit, List.of(args), file, problem);
    }

    static Bad folder(String name, Edit edit, String file, String problem, String... args) {
        return new Bad(name, "folder", edit, List.of(args), file, problem);
    }

    static final String ENTRY0 = "{\"image\": \"./imagesTr/case_00.nii.gz\", \"label\": \"./labelsTr/case_00.nii.gz\"}";

    static Stream<Bad> badInputs() {
        List<Bad> b = new ArrayList<>();
        // dataset.json
        b.add(msd("json-not-json", r -> json(r, "{ \"training\": [ "), "dataset.json", "is not valid JSON"));
        b.add(msd("json-not-object", r -> json(r, "[1, 2]"), "dataset.json", "is not a JSON object"));
        b.add(msd("json-no-training", r -> json(r, "{\"name\": \"x\", \"labels\": {\"0\": \"bg\", \"1\": \"gland\"}}"), "dataset.json", "has no \"training\" list"));
        b.add(msd("json-training-object", r -> json(r, "{\"training\": " + ENTRY0 + "}"), "dataset.json", "\"training\" is an object, not a list"));
        b.add(msd("json-entry-string", r -> json(r, "{\"training\": [\"./imagesTr/case_00.nii.gz\"]}"), "dataset.json", "training[0] is a string"));
        b.add(msd("json-image-number", r -> json(r, "{\"training\": [{\"image\": 7, \"label\": \"./labelsTr/case_00.nii.gz\"}]}"), "dataset.json",
                "training[0]'s image is a number"));
        b.add(msd("json-entry-no-label", r -> json(r, "{\"training\": [{\"image\": \"./imagesTr/case_00.nii.gz\"}]}"), "dataset.json", "training[0] has no label path"));
        b.add(msd("json-same-case-twice", r -> json(r, entries(r, "./imagesTr/case_00.nii.gz", "./labelsTr/case_00.nii.gz")), "dataset.json",
                "are the same case 'case_00'"));
        b.add(msd("json-shared-label", r -> json(r, "{\"training\": [" + ENTRY0 + ", {\"image\": \"./imagesTr/case_01.nii.gz\", \"label\": \"./labelsTr/case_00.nii.gz\"}]}"),
                "dataset.json", "training[1] and training[0] share the label case_00.nii.gz"));
        b.add(msd("json-image-is-label", r -> json(r, "{\"training\": [{\"image\": \"./imagesTr/case_00.nii.gz\", \"label\": \"./imagesTr/case_00.nii.gz\"}]}"),
                "dataset.json", "names the same file as image and label"));
        b.add(msd("json-path-outside-relative", r -> {
            Files.copy(r.resolve("imagesTr/case_00.nii.gz"), r.getParent().resolve("elsewhere.nii.gz"));
            json(r, "{\"training\": [{\"image\": \"../elsewhere.nii.gz\", \"label\": \"./labelsTr/case_00.nii.gz\"}]}");
        }, "dataset.json", "training[0]'s image ../elsewhere.nii.gz lies outside the dataset folder"));
        b.add(msd("json-path-outside-absolute", r -> json(r, "{\"training\": [{\"image\": \"" + r.resolve("imagesTr/case_00.nii.gz").toAbsolutePath()
                + "\", \"label\": \"./labelsTr/case_00.nii.gz\"}]}"), "dataset.json", "lies outside the dataset folder"));
        b.add(msd("json-labels-list", r -> json(r, Files.readString(r.resolve("dataset.json")).replace("\"labels\": {\"0\": \"background\", \"1\": \"gland\"}",
                "\"labels\": [\"background\", \"gland\"]")), "dataset.json", "\"labels\" is a list, not an object"));
        b.add(msd("json-labels-no-value", r -> json(r, Files.readString(r.resolve("dataset.json")).replace("\"labels\": {\"0\": \"background\", \"1\": \"gland\"}",
                "\"labels\": {\"background\": \"zero\"}")), "dataset.json", "\"labels\" entry \"background\" gives no label value"));
        // listed files
        b.add(msd("listed-image-missing", r -> Files.delete(r.resolve("imagesTr/case_03.nii.gz")), "dataset.json", "names image ./imagesTr/case_03.nii.gz which does not exist"));
        b.add(msd("listed-label-missing", r -> Files.delete(r.resolve("labelsTr/case_04.nii.gz")), "dataset.json", "names label ./labelsTr/case_04.nii.gz which does not exist"));
        b.add(msd("listed-image-not-volume-name", r -> {
            Files.move(r.resolve("imagesTr/case_02.nii.gz"), r.resolve("imagesTr/case_02.png"));
            json(r, Files.readString(r.resolve("dataset.json")).replace("imagesTr/case_02.nii.gz", "imagesTr/case_02.png"));
        },
                "dataset.json", "training[2]'s image ./imagesTr/case_02.png is not a volume file"));
        b.add(msd("listed-image-is-folder", r -> {
            Files.delete(r.resolve("imagesTr/case_02.nii.gz"));
            Files.createDirectories(r.resolve("imagesTr/case_02.nii.gz"));
        }, "dataset.json", "training[2]'s image ./imagesTr/case_02.nii.gz is not a volume file"));
        b.add(msd("image-truncated", r -> truncate(r.resolve("imagesTr/case_05.nii.gz")), "case_05.nii.gz", "ends early"));
        b.add(msd("label-truncated", r -> truncate(r.resolve("labelsTr/case_05.nii.gz")), "labelsTr/case_05.nii.gz", "ends early"));
        b.add(msd("image-not-nifti", r -> Files.writeString(r.resolve("imagesTr/case_01.nii.gz"), "this is a text file, not a scan\n".repeat(20)),
                "case_01.nii.gz", "not a NIfTI-1 file"));
        b.add(msd("image-empty-file", r -> Files.write(r.resolve("imagesTr/case_01.nii.gz"), new byte[0]), "case_01.nii.gz", "too short for a NIfTI-1 header"));
        b.add(msd("metaimage-raw-missing", r -> {
            metaImage(r.resolve("imagesTr"), "case_04", SPACING);
            Files.delete(r.resolve("imagesTr/case_04.raw"));
            json(r, Files.readString(r.resolve("dataset.json")).replace("imagesTr/case_04.nii.gz", "imagesTr/case_04.mhd"));
        }, "case_04.mhd", "(ElementDataFile) not found"));
        b.add(msd("channel-out-of-range", r -> { }, "case_00.nii.gz", "channel 1 is out of range", "--channel", "1"));
        b.add(msd("label-two-channels", r -> {
            // a 4D mask: two 3D volumes stacked, written by hand (dim[0] = 4, dim[4] = 2)
            Path p = r.resolve("labelsTr/case_02.nii.gz");
            Path plain = r.resolve("labelsTr/case_02.nii");
            NiftiWriter.write(mask(2), plain, DataType.FLOAT32);
            byte[] one = Files.readAllBytes(plain);
            ByteBuffer h = ByteBuffer.wrap(one).order(ByteOrder.LITTLE_ENDIAN);
            h.putShort(40, (short) 4);
            h.putShort(48, (short) 2);
            byte[] two = Arrays.copyOf(one, one.length + (one.length - 352));
            System.arraycopy(one, 352, two, one.length, one.length - 352);
            Files.delete(plain);
            Files.write(p, gzip(two));
        }, "labelsTr/case_02.nii.gz", "mask has 2 channels"));
        // folder layout
        b.add(folder("folder-label-missing", r -> Files.delete(r.resolve("labels/case_03.nii.gz")), "images/case_03.nii.gz", "has no mask"));
        b.add(folder("folder-images-empty", r -> {
            try (var s = Files.list(r.resolve("images"))) {
                for (Path p : s.toList()) Files.delete(p);
            }
        }, "images", "is empty"));
        b.add(folder("folder-images-not-volumes", r -> {
            try (var s = Files.list(r.resolve("images"))) {
                for (Path p : s.toList()) Files.move(p, p.resolveSibling(p.getFileName().toString().replace(".nii.gz", ".png")));
            }
        }, "images", "holds no volume files (6 other files, e.g. case_00.png)"));
        b.add(folder("folder-no-dataset", r -> Files.move(r.resolve("images"), r.resolve("scans")), "ds", "is neither a Decathlon dataset"));
        b.add(folder("folder-is-a-file", r -> { }, "ds/images/case_00.nii.gz", "is a file, not a dataset folder"));
        b.add(folder("folder-missing", r -> { }, "ds/nothing", "dataset folder does not exist"));
        b.add(folder("folder-orphan-label", r -> Files.copy(r.resolve("labels/case_00.nii.gz"), r.resolve("labels/case_99.nii.gz")),
                "labels/case_99.nii.gz", "is a mask without an image"));
        b.add(folder("folder-same-case-twice", r -> {
            Files.copy(r.resolve("images/case_01.nii.gz"), r.resolve("images/case_01.nii"));
            Files.copy(r.resolve("labels/case_01.nii.gz"), r.resolve("labels/case_01.nii"));
        }, "case_01.nii", "is the same case 'case_01'"));
        b.add(folder("folder-unlabelled", r -> deleteTree(r.resolve("labels")), "ds", "has no labels"));
        b.add(folder("folder-too-few-cases", r -> {
            for (int i = 2; i < CASES; i++) {
                Files.delete(r.resolve("images/case_0" + i + ".nii.gz"));
                Files.delete(r.resolve("labels/case_0" + i + ".nii.gz"));
            }
        }, "ds", "has 2 cases, too few"));
        // grids
        b.add(msd("mask-shape-differs", r -> NiftiWriter.write(Volume.zeros(NX, NY, NZ - 1, SPACING), r.resolve("labelsTr/case_05.nii.gz"), DataType.UINT8),
                "labelsTr/case_05.nii.gz", "mask shape 12x12x5 differs from its image's 12x12x6"));
        b.add(msd("mask-spacing-differs", r -> NiftiWriter.write(withGrid(mask(5), new double[] {1.5, 1.5, 3.5}, Volume.diagonalAffine(new double[] {1.5, 1.5, 3.5})),
                r.resolve("labelsTr/case_05.nii.gz"), DataType.UINT8), "labelsTr/case_05.nii.gz", "mask spacing 1.5 x 1.5 x 3.5 mm differs from its image's 1.5 x 1.5 x 3 mm"));
        b.add(msd("mask-origin-differs", r -> {
            double[] a = Volume.diagonalAffine(SPACING);
            a[3] = 10;
            NiftiWriter.write(withGrid(mask(4), SPACING, a), r.resolve("labelsTr/case_04.nii.gz"), DataType.UINT8);
        }, "labelsTr/case_04.nii.gz", "mask origin (10, 0, 0) differs from its image's (0, 0, 0) mm"));
        b.add(msd("mask-direction-differs", r -> {
            double[] a = Volume.diagonalAffine(SPACING);
            a[0] = -SPACING[0];
            NiftiWriter.write(withGrid(mask(4), SPACING, a), r.resolve("labelsTr/case_04.nii.gz"), DataType.UINT8);
        }, "labelsTr/case_04.nii.gz", "mask orientation (affine directions) differs"));
        b.add(msd("image-2d", r -> {
            VolumeIO.write(image(3, NX, NY, 1), r.resolve("imagesTr/case_03.nii.gz"));
            NiftiWriter.write(Volume.zeros(NX, NY, 1, SPACING), r.resolve("labelsTr/case_03.nii.gz"), DataType.UINT8);
        }, "imagesTr/case_03.nii.gz", "image is 2D (12x12x1 voxels)"));
        b.add(msd("image-zero-spacing", r -> {
            Path p = r.resolve("imagesTr/case_02.nii");
            VolumeIO.write(image(2, NX, NY, NZ), p);
            patchFloat(p, 76 + 4 * 3, 0f); // pixdim[3] = 0: the reader would guess 1 mm
            Files.delete(r.resolve("imagesTr/case_02.nii.gz"));
            json(r, Files.readString(r.resolve("dataset.json")).replace("imagesTr/case_02.nii.gz", "imagesTr/case_02.nii"));
        }, "imagesTr/case_02.nii", "degenerate voxel size 1.5 x 1.5 x 0 mm"));
        b.add(msd("metaimage-zero-spacing", r -> {
            metaImage(r.resolve("imagesTr"), "case_04", new double[] {1.5, 0, 3});
            json(r, Files.readString(r.resolve("dataset.json")).replace("imagesTr/case_04.nii.gz", "imagesTr/case_04.mhd"));
        }, "case_04.mhd", "degenerate voxel size 1.5 x 0 x 3 mm"));
        b.add(msd("image-degenerate-affine", r -> {
            double[] a = Volume.diagonalAffine(SPACING);
            a[5] = 0; // the y axis maps to nothing
            VolumeIO.write(withGrid(image(1, NX, NY, NZ), SPACING, a), r.resolve("imagesTr/case_01.nii.gz"));
        }, "imagesTr/case_01.nii.gz", "degenerate affine (determinant 0)"));
        b.add(msd("image-nan-affine", r -> {
            Path p = r.resolve("imagesTr/case_01.nii");
            VolumeIO.write(image(1, NX, NY, NZ), p);
            patchFloat(p, 280 + 4 * 3, Float.NaN); // srow_x[3]
            Files.delete(r.resolve("imagesTr/case_01.nii.gz"));
            json(r, Files.readString(r.resolve("dataset.json")).replace("imagesTr/case_01.nii.gz", "imagesTr/case_01.nii"));
        }, "imagesTr/case_01.nii", "non-finite affine"));
        // voxels
        b.add(msd("image-nan-voxels", r -> {
            Volume v = image(5, NX, NY, NZ);
            v.data()[7] = Float.NaN;
            v.data()[8] = Float.NaN;
            VolumeIO.write(v, r.resolve("imagesTr/case_05.nii.gz"));
        }, "imagesTr/case_05.nii.gz", "2 of 864 image voxels are NaN or infinite (re-export the image, or pass --replace-non-finite"));
        b.add(msd("image-inf-voxels", r -> {
            Volume v = image(0, NX, NY, NZ);
            v.data()[3] = Float.POSITIVE_INFINITY;
            VolumeIO.write(v, r.resolve("imagesTr/case_00.nii.gz"));
        }, "imagesTr/case_00.nii.gz", "1 of 864 image voxels are NaN or infinite"));
        b.add(msd("image-all-nan", r -> {
            Volume v = image(0, NX, NY, NZ);
            Arrays.fill(v.data(), Float.NaN);
            VolumeIO.write(v, r.resolve("imagesTr/case_00.nii.gz"));
        }, "imagesTr/case_00.nii.gz", "holds no finite voxel", "--replace-non-finite"));
        b.add(msd("image-constant", r -> VolumeIO.write(Volume.zeros(NX, NY, NZ, SPACING), r.resolve("imagesTr/case_03.nii.gz")),
                "imagesTr/case_03.nii.gz", "image is constant"));
        // labels
        b.add(msd("no-foreground-anywhere", r -> {
            for (int i = 0; i < CASES; i++) NiftiWriter.write(Volume.zeros(NX, NY, NZ, SPACING), r.resolve("labelsTr/case_0" + i + ".nii.gz"), DataType.UINT8);
        }, "dataset.json", "no case has foreground: the masks hold only the values 0"));
        b.add(folder("no-foreground-in-training-split", r -> {
            List<String> ids = java.util.stream.IntStream.range(0, CASES).mapToObj(i -> "case_0" + i).toList();
            for (String id : dev.unetscope.data.Splits.of(ids, 7).train()) {
                NiftiWriter.write(Volume.zeros(NX, NY, NZ, SPACING), r.resolve("labels/" + id + ".nii.gz"), DataType.UINT8);
            }
        }, "ds", "none of the 4 training cases of the split (seed 7) has foreground; only 2 of 6 cases have any"));
        b.add(folder("labels-option-matches-nothing", r -> { }, "labels", "no case has foreground: the masks hold only the values 0, 1, none of which is gland under --labels 3",
                "--labels", "3"));
        b.add(msd("labels-option-undeclared", r -> { }, "dataset.json", "declares label values 0, 1 but --labels names 3", "--labels", "3"));
        b.add(msd("label-value-undeclared", r -> {
            Volume m = mask(2);
            m.data()[0] = 2;
            m.data()[1] = 7;
            NiftiWriter.write(m, r.resolve("labelsTr/case_02.nii.gz"), DataType.UINT8);
        }, "labelsTr/case_02.nii.gz", "mask holds label values 2, 7 that dataset.json does not declare (it declares 0, 1)"));
        b.add(msd("label-not-whole", r -> {
            Volume m = mask(2);
            m.data()[0] = 0.5f;
            NiftiWriter.write(m, r.resolve("labelsTr/case_02.nii.gz"), DataType.FLOAT32);
        }, "labelsTr/case_02.nii.gz", "mask holds values that are not whole numbers (e.g. 0.5)"));
        b.add(folder("label-negative", r -> {
            Volume m = mask(2);
            m.data()[0] = -1;
            NiftiWriter.write(m, r.resolve("labels/case_02.nii.gz"), DataType.INT16);
        }, "labels/case_02.nii.gz", "mask holds negative label values -1"));
        b.add(msd("label-nan", r -> {
            Volume m = mask(1);
            m.data()[0] = Float.NaN;
            NiftiWriter.write(m, r.resolve("labelsTr/case_01.nii.gz"), DataType.FLOAT32);
        }, "labelsTr/case_01.nii.gz", "mask holds 1 NaN or infinite voxels"));
        b.add(folder("label-is-an-image", r -> {
            Volume m = image(1, NX, NY, NZ);
            for (int i = 0; i < m.size(); i++) m.data()[i] = i;
            NiftiWriter.write(m, r.resolve("labels/case_01.nii.gz"), DataType.INT16);
        }, "labels/case_01.nii.gz", "looks like an image, not a label map"));
        // preprocessing
        b.add(msd("crop-loses-foreground", r -> { }, "labelsTr/case_01.nii.gz",
                "the crop to 4x4x2 at 1.5x1.5x3 mm loses 20.0% of this case's label voxels (8 of 40); 3 cases lose more than 1%", "--shape", "4,4,2"));
        b.add(msd("spacing-above-budget", r -> { }, "--spacing 0.1x0.1x0.1 mm", "above the budget of 100000 (--max-voxels)", "--spacing", "0.1,0.1,0.1",
                "--max-voxels", "100000"));
        b.add(msd("spacing-not-positive", r -> { }, "--spacing", "is not three positive numbers", "--spacing", "0,1.5,3"));
        b.add(msd("max-voxels-zero", r -> { }, "--max-voxels 0", "must be positive", "--max-voxels", "0"));
        return b.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badInputs")
    void refusedInOneLineWithNothingWritten(Bad bad) throws Exception {
        Path root = tmp.resolve("ds");
        make(root, bad.layout());
        bad.edit().apply(root);
        Path data = switch (bad.name()) {
            case "folder-is-a-file" -> root.resolve("images/case_00.nii.gz");
            case "folder-missing" -> root.resolve("nothing");
            default -> root;
        };
        Path out = tmp.resolve("out");
        List<String> args = new ArrayList<>(List.of("demo", "--data", data.toString(), "--data-only", "--out", out.toString()));
        args.addAll(bad.args());
        CliRun r = CliRun.of(args.toArray(String[]::new));
        String line = r.err().strip();
        record(bad, line);
        assertThat(r.code()).as(line).isEqualTo(2);
        String message = line;
        assertThat(r.oneErrorLine()).as(line).isTrue();
        assertThat(message).startsWith("unetscope: ").contains(bad.file()).contains(bad.problem());
        assertThat(out).as("nothing written at --out").doesNotExist();
    }

    /** The table in docs/BAD_INPUTS.md lists every bad input by its test name. */
    @Test
    void theDocumentListsEveryBadInput() throws Exception {
        String doc = Files.readString(Path.of("docs/BAD_INPUTS.md"));
        for (Bad b : badInputs().toList()) assertThat(doc).as(b.name()).contains("`" + b.name() + "`");
    }

    /** With -Dbadinputs.table=FILE the refusals are appended there (how docs/BAD_INPUTS.md's messages were collected). */
    private static synchronized void record(Bad bad, String line) throws IOException {
        String file = System.getProperty("badinputs.table");
        if (file == null) return;
        Files.writeString(Path.of(file), bad.name() + "\t" + String.join(" ", bad.args()) + "\t" + line.replace(Path.of("").toAbsolutePath().toString(), "") + "\n",
                StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    }

    // ---- the good dataset every case starts from ----

    static void make(Path root, String layout) throws IOException {
        boolean msd = layout.equals("msd");
        Path images = root.resolve(msd ? "imagesTr" : "images"), labels = root.resolve(msd ? "labelsTr" : "labels");
        Files.createDirectories(images);
        Files.createDirectories(labels);
        StringBuilder entries = new StringBuilder();
        for (int i = 0; i < CASES; i++) {
            String f = "case_0" + i + ".nii.gz";
            VolumeIO.write(image(i, NX, NY, NZ), images.resolve(f));
            NiftiWriter.write(mask(i), labels.resolve(f), DataType.UINT8);
            if (i > 0) entries.append(",\n  ");
            entries.append("{\"image\": \"./imagesTr/").append(f).append("\", \"label\": \"./labelsTr/").append(f).append("\"}");
        }
        if (msd) {
            Files.writeString(root.resolve("dataset.json"), "{\"name\": \"bad\", \"labels\": {\"0\": \"background\", \"1\": \"gland\"},\n \"training\": [\n  "
                    + entries + "],\n \"test\": []}\n");
        }
    }

    /** A scan-like volume: a gradient plus a case-dependent pattern (never constant). */
    static Volume image(int c, int nx, int ny, int nz) {
        Volume v = Volume.zeros(nx, ny, nz, SPACING);
        for (int i = 0; i < v.size(); i++) v.data()[i] = 100 + (i % nx) * 3 + ((i * 7 + c) % 11);
        return v;
    }

    /** A block of gland in the middle, its size depending on the case. */
    static Volume mask(int c) {
        Volume m = Volume.zeros(NX, NY, NZ, SPACING);
        for (int z = 2; z < 4; z++) for (int y = 4; y < 8 + c % 2; y++) for (int x = 4; x < 8; x++) m.set(x, y, z, 1);
        return m;
    }

    static Volume withGrid(Volume v, double[] spacing, double[] affine) {
        return new Volume(v.nx(), v.ny(), v.nz(), v.data(), spacing, affine);
    }

    static void json(Path root, String text) throws IOException {
        Files.writeString(root.resolve("dataset.json"), text);
    }

    /** dataset.json with every case plus one more entry (image, label). */
    static String entries(Path root, String image, String label) throws IOException {
        String j = Files.readString(root.resolve("dataset.json"));
        return j.replace("],\n \"test\"", ",\n  {\"image\": \"" + image + "\", \"label\": \"" + label + "\"}],\n \"test\"");
    }

    static void truncate(Path p) throws IOException {
        byte[] b = Files.readAllBytes(p);
        Files.write(p, Arrays.copyOf(b, b.length * 2 / 3));
    }

    static void patchFloat(Path p, int offset, float value) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.seek(offset);
            f.writeInt(Integer.reverseBytes(Float.floatToIntBits(value)));
        }
    }

    static void metaImage(Path dir, String name, double[] spacing) throws IOException {
        Volume v = image(4, NX, NY, NZ);
        ByteBuffer b = ByteBuffer.allocate(4 * v.size()).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v.data()) b.putFloat(x);
        Files.write(dir.resolve(name + ".raw"), b.array());
        Files.writeString(dir.resolve(name + ".mhd"), "ObjectType = Image\nNDims = 3\nDimSize = " + NX + " " + NY + " " + NZ + "\nElementSpacing = "
                + spacing[0] + " " + spacing[1] + " " + spacing[2] + "\nElementType = MET_FLOAT\nElementDataFile = " + name + ".raw\n");
    }

    static byte[] gzip(byte[] bytes) {
        var bos = new java.io.ByteArrayOutputStream();
        try (var gz = new java.util.zip.GZIPOutputStream(bos)) {
            gz.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bos.toByteArray();
    }

    static void deleteTree(Path p) throws IOException {
        try (var s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }
}
