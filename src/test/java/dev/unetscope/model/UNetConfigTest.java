package dev.unetscope.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.unetscope.io.BadInputException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UNetConfigTest {
    @Test
    void defaultsAreTheDemoScale() {
        UNetConfig c = UNetConfig.defaults();
        assertThat(c.channels()).containsExactly(8, 16, 32, 64);
        assertThat(c.resUnits()).isEqualTo(2);
        assertThat(c.norm()).isEqualTo(UNetConfig.Norm.INSTANCE);
        assertThat(c.act()).isEqualTo(UNetConfig.Activation.PRELU);
        assertThat(c.strides()).containsExactly(2, 2, 2);
        assertThat(c.dropout()).isZero();
        assertThat(c.inChannels()).isEqualTo(1);
        assertThat(c.levels()).isEqualTo(4);
        assertThat(c.sizeMultiple()).isEqualTo(8);
        assertThat(UNetConfig.seedScale().channels()).containsExactly(16, 32, 64, 128, 256);
        assertThat(UNetConfig.seedScale().strides()).containsExactly(2, 2, 2, 2);
        assertThat(UNetConfig.seedScale().sizeMultiple()).isEqualTo(16);
        UNetConfig mixed = c.withStrides(2, 1, 2);
        assertThat(mixed.sizeMultiple()).isEqualTo(4);
        assertThat(new int[] {mixed.strideAt(1), mixed.strideAt(2), mixed.strideAt(3)}).containsExactly(2, 2, 4);
    }

    @Test
    void hashIsStableAndSeesEveryField() {
        UNetConfig c = UNetConfig.defaults();
        assertThat(c.canonical()).isEqualTo("MonaiUNet/2 channels=8-16-32-64 strides=2-2-2 resUnits=2 norm=INSTANCE"
                + " act=PRELU dropout=0.000000 inChannels=1");
        // pinned: a change here orphans every saved parameter file, so make it on purpose
        assertThat(c.hash()).hasSize(12).isEqualTo(new UNetConfig(new int[] {8, 16, 32, 64}, new int[] {2, 2, 2}, 2,
                UNetConfig.Norm.INSTANCE, UNetConfig.Activation.PRELU, 0, 1).hash());
        assertThat(c.hash()).isEqualTo(PINNED_DEFAULT_HASH);
        assertThat(c.withChannels(8, 16, 32).hash()).isNotEqualTo(c.hash());
        assertThat(c.withResUnits(1).hash()).isNotEqualTo(c.hash());
        assertThat(c.withNorm(UNetConfig.Norm.BATCH).hash()).isNotEqualTo(c.hash());
        assertThat(c.withAct(UNetConfig.Activation.RELU).hash()).isNotEqualTo(c.hash());
        assertThat(c.withStrides(2, 2, 1).hash()).isNotEqualTo(c.hash());
        assertThat(c.withDropout(0.1).hash()).isNotEqualTo(c.hash());
        assertThat(c.withInChannels(2).hash()).isNotEqualTo(c.hash());
    }

    static final String PINNED_DEFAULT_HASH = "adccf2f070fd";

    @Test
    void isImmutableAndComparesByValue() {
        int[] ch = {2, 4, 8};
        UNetConfig c = UNetConfig.defaults().withChannels(ch);
        ch[0] = 99;
        c.channels()[1] = 99;
        assertThat(c.channels()).containsExactly(2, 4, 8);
        assertThat(c).isEqualTo(UNetConfig.defaults().withChannels(2, 4, 8))
                .hasSameHashCodeAs(UNetConfig.defaults().withChannels(2, 4, 8));
    }

    @Test
    void roundTripsThroughJson() throws Exception {
        ObjectMapper json = new ObjectMapper();
        UNetConfig c = UNetConfig.defaults().withNorm(UNetConfig.Norm.BATCH).withDropout(0.2);
        String text = json.writeValueAsString(c);
        assertThat(text).contains("\"channels\":[8,16,32,64]").contains("\"norm\":\"BATCH\"").doesNotContain("hash");
        assertThat(json.readValue(text, UNetConfig.class)).isEqualTo(c);
        // a config of the earlier topology (no strides, an upsampling choice) reads as today's default strides
        String old = "{\"channels\":[8,16,32,64],\"resUnits\":2,\"norm\":\"INSTANCE\",\"act\":\"PRELU\",\"up\":\"SHUFFLE\",\"dropout\":0.0,\"inChannels\":1}";
        assertThat(json.readValue(old, UNetConfig.class)).isEqualTo(UNetConfig.defaults());
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> UNetConfig.defaults().withChannels(8)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("at least 2 levels");
        assertThatThrownBy(() -> UNetConfig.defaults().withChannels(8, 0)).isInstanceOf(BadInputException.class);
        assertThatThrownBy(() -> UNetConfig.defaults().withDropout(1)).isInstanceOf(BadInputException.class);
        assertThatThrownBy(() -> UNetConfig.defaults().withResUnits(-1)).isInstanceOf(BadInputException.class);
        assertThatThrownBy(() -> UNetConfig.defaults().withStrides(2, 2)).isInstanceOf(BadInputException.class)
                .hasMessage("UNet config: strides must be 3 values of 1 or 2 (one per level below the top), got [2, 2] (give e.g. 2,2,2)");
        assertThatThrownBy(() -> UNetConfig.defaults().withStrides(2, 3, 2)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("got [2, 3, 2]");
    }
}
