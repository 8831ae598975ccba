package dev.unetscope.data;

import dev.unetscope.io.BadInputException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SplitsTest {
    static List<String> ids(int n) {
        List<String> l = new ArrayList<>();
        for (int i = 0; i < n; i++) l.add(String.format("case_%03d", i));
        return l;
    }

    @Test
    void disjointCoveringAndSizedByFraction() {
        Splits s = Splits.of(ids(40), 7);
        assertThat(s.train()).hasSize(24);
        assertThat(s.val()).hasSize(8);
        assertThat(s.test()).hasSize(8);
        Set<String> all = new HashSet<>(s.train());
        all.addAll(s.val());
        all.addAll(s.test());
        assertThat(all).hasSize(40).containsAll(ids(40));
    }

    @Test
    void dependsOnSeedNotOnListingOrder() {
        List<String> shuffled = ids(40);
        Collections.reverse(shuffled);
        assertThat(Splits.of(shuffled, 7)).isEqualTo(Splits.of(ids(40), 7));
        assertThat(Splits.of(ids(40), 8).test()).isNotEqualTo(Splits.of(ids(40), 7).test());
    }

    @Test
    void tinyAndDuplicateSetsAreRefused() {
        assertThatThrownBy(() -> Splits.of(ids(2), 1)).isInstanceOf(BadInputException.class).hasMessageContaining("at least 3");
        assertThat(Splits.of(ids(3), 1).test()).hasSize(1);
        assertThatThrownBy(() -> Splits.of(List.of("a", "a", "b", "c"), 1)).isInstanceOf(BadInputException.class);
    }
}
