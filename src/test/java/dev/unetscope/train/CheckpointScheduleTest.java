package dev.unetscope.train;

import dev.unetscope.io.BadInputException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CheckpointScheduleTest {
    @Test
    void quadraticSpacingEndsAtTheLastStep() {
        // 100 * (k/4)^2 = 6.25, 25, 56.25, 100
        assertThat(CheckpointSchedule.steps(100, 4)).containsExactly(6, 25, 56, 100);
    }

    @Test
    void denserEarlyAndDistinct() {
        List<Integer> s = CheckpointSchedule.steps(3000, 30);
        assertThat(s).hasSize(30).isSorted().doesNotHaveDuplicates();
        assertThat(s.get(s.size() - 1)).isEqualTo(3000);
        assertThat(s.get(1) - s.get(0)).isLessThan(s.get(29) - s.get(28));
    }

    @Test
    void asManyCheckpointsAsStepsGivesEveryStep() {
        assertThat(CheckpointSchedule.steps(5, 5)).containsExactly(1, 2, 3, 4, 5);
    }

    @Test
    void impossibleSchedulesAreRefused() {
        assertThatThrownBy(() -> CheckpointSchedule.steps(3, 5)).isInstanceOf(BadInputException.class);
        assertThatThrownBy(() -> CheckpointSchedule.steps(3, 0)).isInstanceOf(BadInputException.class);
    }
}
