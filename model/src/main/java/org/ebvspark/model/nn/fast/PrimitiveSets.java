package org.ebvspark.model.nn.fast;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A layer's oneDNN primitives for the input shapes it saw last (a training batch, a last partial
 * batch, an evaluation batch), created on first use; the least recently used of more than four are
 * let go (their native objects are destroyed once collected).
 */
final class PrimitiveSets<V> {
  private static final int KEPT = 4;

  private final Map<List<Long>, V> recent =
      new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<List<Long>, V> e) {
          return size() > KEPT;
        }
      };

  /** The primitives for {@code a}'s shape. */
  V forShapeOf(INDArray a, Function<INDArray, V> create) {
    List<Long> key = Arrays.stream(a.shape()).boxed().toList();
    return recent.computeIfAbsent(key, k -> create.apply(a));
  }

  int size() {
    return recent.size();
  }
}
