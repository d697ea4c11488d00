package org.ebvspark.data.batch;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The order of an epoch: a permutation drawn from (seed, epoch), so every epoch differs and an
 * epoch replayed after a resume is the same.
 */
public final class EpochOrder {
  private EpochOrder() {}

  public static <T> List<T> shuffled(List<T> items, long seed, int epoch) {
    List<T> copy = new ArrayList<>(items);
    Collections.shuffle(copy, new Random(seed * 0x9E3779B97F4A7C15L + epoch));
    return copy;
  }

  /** The batches of an epoch: consecutive slices of the shuffled order; the last may be short. */
  public static <T> List<List<T>> batches(List<T> items, long seed, int epoch, int batchSize) {
    List<T> order = shuffled(items, seed, epoch);
    List<List<T>> out = new ArrayList<>();
    for (int i = 0; i < order.size(); i += batchSize) {
      out.add(order.subList(i, Math.min(order.size(), i + batchSize)));
    }
    return out;
  }
}
