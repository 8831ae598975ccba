package dev.unetscope.data;

import dev.unetscope.io.BadInputException;
import dev.unetscope.volume.DataType;
import dev.unetscope.volume.NiftiWriter;
import dev.unetscope.volume.Volume;
import dev.unetscope.volume.VolumeIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DatasetTest {
    @TempDir
    Path tmp;

    private static Volume labels() {
        // values 0, 1 (peripheral zone), 2 (transition zone) as in Task05_Prostate
        Volume v = Volume.zeros(4, 4, 2, new double[] {0.6, 0.6, 3.6});
        v.data()[0] = 1;
        v.data()[1] = 2;
        v.data()[2] = 2;
        return v;
    }

    private Path decathlon() throws Exception {
        Path root = tmp.resolve("Task05");
        Files.createDirectories(root.resolve("imagesTr"));
        Files.createDirectories(root.resolve("labelsTr"));
        Volume img = Volume.zeros(4, 4, 2, new double[] {0.6, 0.6, 3.6});
        for (int i = 0; i < img.size(); i++) img.data()[i] = i;
        VolumeIO.write(img, root.resolve("imagesTr/prostate_00.nii.gz"));
        NiftiWriter.write(labels(), root.resolve("labelsTr/prostate_00.nii.gz"), DataType.UINT8);
        Files.writeString(root.resolve("dataset.json"), """
                {"name": "Prostate", "modality": {"0": "T2", "1": "ADC"},
                 "labels": {"0": "background", "1": "PZ", "2": "TZ"},
                 "training": [{"image": "./imagesTr/prostate_00.nii.gz", "label": "./labelsTr/prostate_00.nii.gz"}],
                 "test": []}
                """);
        return root;
    }

    @Test
    void decathlonMergesLabelsIntoGlandByDefault() throws Exception {
        Dataset ds = Dataset.open(decathlon());
        assertThat(ds.layout()).isEqualTo("decathlon");
        assertThat(ds.cases()).extracting(Case::id).containsExactly("prostate_00");
        LabelledVolume c = ds.read(ds.cases().get(0));
        float sum = 0;
        for (float x : c.mask().data()) sum += x;
        assertThat(sum).isEqualTo(3f);
        assertThat(c.image().data()[5]).isEqualTo(5f);
    }

    @Test
    void chosenLabelValuesOnly() throws Exception {
        Dataset ds = Dataset.open(decathlon(), 0, LabelMerge.parse("1"), false);
        LabelledVolume c = ds.read(ds.cases().get(0));
        float sum = 0;
        for (float x : c.mask().data()) sum += x;
        assertThat(sum).isEqualTo(1f);
        assertThatThrownBy(() -> LabelMerge.parse("1,x")).isInstanceOf(BadInputException.class);
    }

    @Test
    void folderLayoutPairsByFileNameAndMayBeUnlabelled() throws Exception {
        Path root = tmp.resolve("plain");
        Files.createDirectories(root.resolve("images"));
        Volume img = Volume.zeros(4, 4, 2, new double[] {0.6, 0.6, 3.6});
        img.data()[0] = 1;
        VolumeIO.write(img, root.resolve("images/b.nii.gz"));
        VolumeIO.write(img, root.resolve("images/a.nii"));
        Dataset unlabelled = Dataset.open(root);
        assertThat(unlabelled.cases()).extracting(Case::id).containsExactly("a", "b");
        assertThat(unlabelled.read(unlabelled.cases().get(0)).labelled()).isFalse();
        Files.createDirectories(root.resolve("labels"));
        VolumeIO.write(labels(), root.resolve("labels/a.nii"));
        assertThatThrownBy(() -> Dataset.open(root)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("b.nii.gz").hasMessageContaining("no mask");
    }

    @Test
    void badJsonAndUnknownLayoutAreOneLine() throws Exception {
        Path root = decathlon();
        Files.writeString(root.resolve("dataset.json"), "{ not json");
        assertThatThrownBy(() -> Dataset.open(root)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("dataset.json").hasMessageNotContaining("\n");
        Path other = tmp.resolve("other");
        Files.createDirectories(other);
        assertThatThrownBy(() -> Dataset.open(other)).isInstanceOf(BadInputException.class).hasMessageContaining("neither");
    }
}
