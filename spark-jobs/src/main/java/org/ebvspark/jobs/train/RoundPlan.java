package org.ebvspark.jobs.train;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.ebvspark.data.batch.BatchPlan;

/**
 * How one round's batch references are shared among the workers that train it.
 *
 * <p>A run is planned for {@code planned} workers: that fixes the global batch ({@code --batch x
 * planned}), the learning rate and the schedule. The planned layout is DL4J's: the round's
 * references cut into {@code planned} consecutive slices (Spark's {@code parallelize} bounds), a
 * worker fitting its slice one reference per step, so step {@code s} of the round trains the {@code
 * s}-th reference of every slice: that set is the step's global batch. When the round runs on the
 * planned number of workers, each worker gets its slice as it is. When fewer or more are alive (an
 * executor lost, or one added), each step's global batch is cut into {@code alive} near-equal runs
 * of rows instead, so the global batch, the iterations per epoch and the schedule stay what the run
 * was planned with; only the per-worker share changes. Averaging weighs each worker by the images
 * it fitted ({@link Share#images}), which makes a round averaged after every step the step on the
 * whole global batch, whatever the worker count.
 */
final class RoundPlan {
  private RoundPlan() {}

  /**
   * One worker's part of a round.
   *
   * @param steps for each step, the encoded references whose rows make that step's minibatch
   * @param images the rows of all its steps
   */
  record Share(List<List<String>> steps, long images) implements Serializable {}

  /**
   * @param references the round's encoded {@link BatchPlan.Batch} references, in plan order
   * @param planned the workers the run is planned for
   * @param alive the workers to train this round on
   */
  static List<Share> of(List<String> references, int planned, int alive) {
    if (planned < 1 || alive < 1) {
      throw new IllegalArgumentException(
          "a round needs workers: planned " + planned + ", alive " + alive);
    }
    int n = references.size();
    int slices = Math.min(planned, n);
    List<List<String>> layout = new ArrayList<>();
    for (int i = 0; i < slices; i++) {
      layout.add(references.subList(i * n / slices, (i + 1) * n / slices));
    }
    if (alive == slices) {
      List<Share> out = new ArrayList<>();
      for (List<String> slice : layout) {
        List<List<String>> steps = new ArrayList<>();
        long images = 0;
        for (String ref : slice) {
          steps.add(List.of(ref));
          images += BatchPlan.Batch.decode(ref).count();
        }
        out.add(new Share(steps, images));
      }
      return out;
    }
    return reshared(layout, alive);
  }

  /** Each step's global batch cut into {@code workers} near-equal runs of rows. */
  private static List<Share> reshared(List<List<String>> layout, int workers) {
    int stepCount = layout.get(0).size();
    List<List<List<String>>> steps = new ArrayList<>();
    long[] images = new long[workers];
    for (int w = 0; w < workers; w++) {
      steps.add(new ArrayList<>());
    }
    for (int s = 0; s < stepCount; s++) {
      List<String> global = new ArrayList<>();
      long rows = 0;
      for (List<String> slice : layout) {
        if (s < slice.size()) {
          global.add(slice.get(s));
          rows += BatchPlan.Batch.decode(slice.get(s)).count();
        }
      }
      for (int w = 0; w < workers; w++) {
        long from = w * rows / workers;
        long to = (w + 1) * rows / workers;
        if (to > from) {
          steps.get(w).add(rows(global, from, to));
          images[w] += to - from;
        }
      }
    }
    List<Share> out = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      if (!steps.get(w).isEmpty()) {
        out.add(new Share(steps.get(w), images[w]));
      }
    }
    return out;
  }

  /** Rows [from, to) of the concatenated references, as references to runs of their rows. */
  private static List<String> rows(List<String> references, long from, long to) {
    List<String> out = new ArrayList<>();
    long offset = 0;
    for (String encoded : references) {
      BatchPlan.Batch b = BatchPlan.Batch.decode(encoded);
      long start = Math.max(from, offset);
      long end = Math.min(to, offset + b.count());
      if (end > start) {
        int first = b.first() + (int) (start - offset);
        out.add(
            new BatchPlan.Batch(b.shard(), b.start(), b.length(), first, (int) (end - start))
                .encode(BatchPlan.Batch.epochOf(encoded)));
      }
      offset += b.count();
    }
    return out;
  }
}
