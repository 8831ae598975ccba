package dev.unetscope.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unetscope.cli.Main;
import dev.unetscope.io.BadInputException;
import dev.unetscope.model.UNet;
import dev.unetscope.model.UNetConfig;
import dev.unetscope.train.CheckpointRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImportServiceTest {
    static final UNetConfig CFG = UNetConfig.defaults().withChannels(4, 8, 16).withResUnits(2);

    @TempDir
    Path tmp;

    /** MONAI-named weights as a user would bring them (written by our exporter, checked against PyTorch in MonaiUNetParityTest). */
    private Path monaiWeights(float[] x, float[][] probs) {
        Path file = tmp.resolve("unet.safetensors");
        try (UNet net = UNet.create(CFG, 5)) {
            net.toMonaiWeights(file);
            probs[0] = net.infer(x, 2, 8, 12, 8, Set.of()).probabilities();
        }
        return file;
    }

    @Test
    void importedWeightsBecomeARunThatLoadsToTheSameNetwork() throws Exception {
        float[] x = new float[2 * 8 * 12 * 8];
        Random r = new Random(3);
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        float[][] before = new float[1][];
        Path weights = monaiWeights(x, before);
        Path exp = tmp.resolve("exp");
        int code = Main.execute("import", "--experiment", exp.toString(), "--monai-weights", weights.toString(),
                "--channels", "4,8,16", "--strides", "2,2", "--res-units", "2", "--run", "monai");
        assertThat(code).isZero();
        Path params = exp.resolve("checkpoints/monai/step-000000.params");
        assertThat(params).isRegularFile();
        JsonNode m = new ObjectMapper().readTree(exp.resolve("checkpoints/monai/manifest.json").toFile());
        assertThat(m.get("objective").asText()).isEqualTo("imported");
        assertThat(m.get("configHash").asText()).isEqualTo(CFG.hash());
        assertThat(m.at("/versions/imported.sha256").asText()).isEqualTo(ImportService.sha256(weights)).hasSize(64);
        assertThat(m.at("/versions/imported.from").asText()).isEqualTo(weights.toAbsolutePath().toString());
        assertThat(m.at("/checkpoints/0/step").asInt()).isZero();
        CheckpointRef ref = CheckpointRef.resolve(dev.unetscope.experiment.Experiment.open(exp), "monai");
        assertThat(ref.params()).isEqualTo(params);
        try (UNet loaded = UNet.load(params, CFG)) {
            assertThat(loaded.infer(x, 2, 8, 12, 8, Set.of()).probabilities()).containsExactly(before[0]);
        }
        // importing into the same run again is refused, the first import kept
        assertThatThrownBy(() -> ImportService.run(new ImportService.Settings(exp, weights, CFG, "monai")))
                .isInstanceOf(BadInputException.class).hasMessageContaining("already exists");
    }

    @Test
    void wrongChannelsExitTwoWithOneLineNamingTheTensor() {
        float[][] before = new float[1][];
        Path weights = monaiWeights(new float[2 * 8 * 12 * 8], before);
        PrintStream err = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int code;
        try {
            System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
            code = Main.execute("import", "--experiment", tmp.resolve("exp").toString(), "--monai-weights", weights.toString(),
                    "--channels", "4,8,32", "--res-units", "2");
        } finally {
            System.setErr(err);
        }
        String msg = buf.toString(StandardCharsets.UTF_8).trim();
        assertThat(code).isEqualTo(2);
        assertThat(msg.lines().count()).as(msg).isEqualTo(1);
        assertThat(msg).contains("checkpoint is from another architecture").contains("model.1.submodule.1.submodule.conv.unit0.conv.weight")
                .contains("(16, 8, 3, 3, 3)").contains("(32, 8, 3, 3, 3)").contains("--channels");
        assertThat(Files.exists(tmp.resolve("exp/checkpoints/imported"))).isFalse();
    }
}
