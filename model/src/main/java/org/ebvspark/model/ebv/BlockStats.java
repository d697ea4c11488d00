package org.ebvspark.model.ebv;

import java.io.Serializable;

/**
 * What one pass over a block of rows learned: the largest off-diagonal |cos| and the pair that has
 * it, and how many ordered pairs are over the threshold. Blocks merge, so a pass over W in slices
 * (one machine) and in Spark partitions (a cluster) give the same totals.
 */
public record BlockStats(double max, long maxRow, long maxColumn, long pairsAbove)
    implements Serializable {

  /** The identity for {@link #merge}. */
  public static final BlockStats EMPTY = new BlockStats(-1.0, -1, -1, 0);

  public BlockStats merge(BlockStats other) {
    boolean mine = max > other.max || (max == other.max && maxRow <= other.maxRow);
    return new BlockStats(
        mine ? max : other.max,
        mine ? maxRow : other.maxRow,
        mine ? maxColumn : other.maxColumn,
        pairsAbove + other.pairsAbove);
  }

  /** Unordered pairs over the threshold: each pair is seen from both of its rows. */
  public long unorderedPairsAbove() {
    return pairsAbove / 2;
  }
}
