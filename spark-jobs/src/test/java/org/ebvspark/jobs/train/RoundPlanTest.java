package org.ebvspark.jobs.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.ebvspark.data.batch.BatchPlan;
import org.junit.jupiter.api.Test;

/** How a round's references are shared among the workers alive (no Spark needed). */
class RoundPlanTest {
  private static final int EPOCH = 3;

  /** {@code n} references of {@code count} rows each, in two row groups. */
  private static List<String> references(int n, int count) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(
          new BatchPlan.Batch("/t/part-" + (i % 2) + ".parquet", 4 + i % 2, 100, i * count, count)
              .encode(EPOCH));
    }
    return out;
  }

  /** The rows a list of references names, as "shard@group:row". */
  private static List<String> rows(List<String> refs) {
    List<String> out = new ArrayList<>();
    for (String r : refs) {
      BatchPlan.Batch b = BatchPlan.Batch.decode(r);
      assertThat(BatchPlan.Batch.epochOf(r)).isEqualTo(EPOCH);
      for (int i = b.first(); i < b.first() + b.count(); i++) {
        out.add(b.shard() + "@" + b.start() + ":" + i);
      }
    }
    return out;
  }

  @Test
  void onThePlannedWorkersEachTakesItsSliceAsDl4jDid() {
    List<String> refs = references(6, 16);
    List<RoundPlan.Share> shares = RoundPlan.of(refs, 2, 2);
    assertThat(shares).hasSize(2);
    // Spark's parallelize bounds: [0, 3) and [3, 6), one reference a step.
    assertThat(shares.get(0).steps())
        .containsExactly(List.of(refs.get(0)), List.of(refs.get(1)), List.of(refs.get(2)));
    assertThat(shares.get(1).steps())
        .containsExactly(List.of(refs.get(3)), List.of(refs.get(4)), List.of(refs.get(5)));
    assertThat(shares).extracting(RoundPlan.Share::images).containsExactly(48L, 48L);
    // A short last round: fewer references than workers x steps, still Spark's bounds.
    List<RoundPlan.Share> last = RoundPlan.of(refs.subList(0, 5), 2, 2);
    assertThat(last).extracting(s -> s.steps().size()).containsExactly(2, 3);
  }

  @Test
  void withAWorkerLostEachStepsGlobalBatchIsSharedByThoseAlive() {
    // Planned for 3 workers, 2 steps each; 2 alive.
    List<String> refs = references(6, 16);
    List<RoundPlan.Share> shares = RoundPlan.of(refs, 3, 2);
    assertThat(shares).hasSize(2);
    for (int step = 0; step < 2; step++) {
      // Step s of the planned layout: the s-th reference of each slice [0,2), [2,4), [4,6).
      List<String> global = new ArrayList<>();
      for (int slice = 0; slice < 3; slice++) {
        global.addAll(rows(List.of(refs.get(2 * slice + step))));
      }
      List<String> shared = new ArrayList<>();
      for (RoundPlan.Share s : shares) {
        assertThat(rows(s.steps().get(step))).hasSize(24);
        shared.addAll(rows(s.steps().get(step)));
      }
      assertThat(shared).as("step %d", step).containsExactlyElementsOf(global);
    }
    assertThat(shares).extracting(RoundPlan.Share::images).containsExactly(48L, 48L);
  }

  @Test
  void withAWorkerAddedTheGlobalBatchIsCutFiner() {
    List<String> refs = references(2, 16);
    List<RoundPlan.Share> shares = RoundPlan.of(refs, 2, 3);
    assertThat(shares).hasSize(3);
    assertThat(shares).extracting(RoundPlan.Share::images).containsExactly(10L, 11L, 11L);
    List<String> all = new ArrayList<>();
    shares.forEach(s -> all.addAll(rows(s.steps().get(0))));
    assertThat(all).containsExactlyElementsOf(rows(refs)).doesNotHaveDuplicates();
  }

  @Test
  void aRoundNeedsWorkers() {
    assertThatThrownBy(() -> RoundPlan.of(references(2, 4), 2, 0)).hasMessageContaining("alive 0");
  }
}
