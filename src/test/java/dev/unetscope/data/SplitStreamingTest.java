package dev.unetscope.data;

import dev.unetscope.experiment.Experiment;
import dev.unetscope.train.TinyExperiment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** A split larger than the memory budget is read case by case, with the same voxels as when it is held. */
class SplitStreamingTest {
    @TempDir
    Path tmp;

    @Test
    void aSplitAboveTheBudgetStreamsTheSameCases() {
        Experiment e = TinyExperiment.create(tmp.resolve("e"), 8);
        PreparedSet held = ExperimentData.split(e, "train", ExperimentData.preprocessing(e), new SetBudget(Long.MAX_VALUE));
        PreparedSet streamed = ExperimentData.split(e, "train", ExperimentData.preprocessing(e), new SetBudget(0));
        assertThat(held.images()).isInstanceOf(java.util.ArrayList.class);
        assertThat(streamed.images()).isNotInstanceOf(java.util.ArrayList.class);
        assertThat(streamed.ids()).isEqualTo(held.ids());
        assertThat(streamed.size()).isGreaterThan(1);
        // visited out of order, as the trainer's shuffled batches visit them
        for (int i = streamed.size() - 1; i >= 0; i--) {
            assertThat(streamed.images().get(i)).containsExactly(held.images().get(i));
            assertThat(streamed.masks().get(i)).containsExactly(held.masks().get(i));
        }
        assertThat(new int[] {streamed.d(), streamed.h(), streamed.w()}).containsExactly(held.d(), held.h(), held.w());
    }
}
