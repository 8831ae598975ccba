package dev.unetscope.data;

import dev.unetscope.data.phantom.Shift;
import dev.unetscope.io.BadInputException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ShiftTest {

    @Test
    void neutralValuesAreDocumentedOnes() {
        Shift n = Shift.NEUTRAL;
        assertThat(n.noise()).isEqualTo(1);
        assertThat(n.bias()).isEqualTo(1);
        assertThat(n.gamma()).isEqualTo(1);
        assertThat(n.blur()).isEqualTo(0);
        assertThat(n.scale()).isEqualTo(1);
        assertThat(n.offset()).isEqualTo(0);
        assertThat(n.glandContrast()).isEqualTo(1);
        assertThat(Shift.knobNames()).containsExactly("noise", "bias", "gamma", "blur", "scale", "offset", "gland_contrast");
        assertThat(Shift.parse("")).isEqualTo(Shift.NEUTRAL);
        assertThat(Shift.NEUTRAL.toSpec()).isEqualTo("neutral");
    }

    @Test
    void parsesNameValueItemsAndPresets() {
        Shift s = Shift.parse("noise=2, gamma=0.8,gland_contrast=0.5,offset=-3");
        assertThat(s.noise()).isEqualTo(2);
        assertThat(s.gamma()).isEqualTo(0.8);
        assertThat(s.glandContrast()).isEqualTo(0.5);
        assertThat(s.offset()).isEqualTo(-3);
        assertThat(s.bias()).isEqualTo(1);
        assertThat(Shift.parse(s.toSpec())).isEqualTo(s);
        Shift b = Shift.parse("scanner-b,noise=3");
        assertThat(b.noise()).isEqualTo(3);
        assertThat(b.bias()).isEqualTo(Shift.preset("scanner-b").bias());
    }

    @Test
    void presetsExistAndScannerBShiftsEverythingItShould() {
        assertThat(Shift.presetNames()).contains("neutral", "scanner-b", "noisy", "biased", "low-contrast", "blurred");
        Shift b = Shift.preset("scanner-b");
        assertThat(b.noise()).isGreaterThan(1);
        assertThat(b.bias()).isGreaterThan(1);
        assertThat(b.gamma()).isNotEqualTo(1);
        assertThat(b.blur()).isGreaterThan(0);
        assertThat(b.scale()).isNotEqualTo(1);
        assertThat(Shift.preset("noisy").noise()).isGreaterThan(1);
        assertThat(Shift.preset("biased").bias()).isGreaterThan(1);
        assertThat(Shift.preset("low-contrast").glandContrast()).isLessThan(1);
        assertThat(Shift.preset("blurred").blur()).isGreaterThan(0);
        for (String p : Shift.presetNames()) assertThat(Shift.parse(Shift.preset(p).toSpec())).isEqualTo(Shift.preset(p));
    }

    @Test
    void badNamesAndValuesThrowBadInputListingValidNames() {
        assertThatThrownBy(() -> Shift.parse("nosie=2")).isInstanceOf(BadInputException.class)
                .hasMessageContaining("nosie").hasMessageContaining("noise, bias, gamma, blur, scale, offset, gland_contrast");
        assertThatThrownBy(() -> Shift.parse("noise=abc")).isInstanceOf(BadInputException.class)
                .hasMessageContaining("gland_contrast");
        assertThatThrownBy(() -> Shift.parse("noise=-1")).isInstanceOf(BadInputException.class);
        assertThatThrownBy(() -> Shift.parse("gamma=0")).isInstanceOf(BadInputException.class);
        assertThatThrownBy(() -> Shift.parse("scanner-c")).isInstanceOf(BadInputException.class)
                .hasMessageContaining("scanner-b");
        assertThatThrownBy(() -> Shift.preset("nope")).isInstanceOf(BadInputException.class)
                .hasMessageContaining("neutral");
        assertThatThrownBy(() -> Shift.NEUTRAL.with("contrast", 2)).isInstanceOf(BadInputException.class);
    }
}
