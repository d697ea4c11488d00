package org.ebvspark.data.importer;

import java.util.SplittableRandom;
import org.ebvspark.data.image.DecodedImage;
import org.ebvspark.data.image.ImageCodec;

/**
 * Small color images whose class can be learned, for any number of classes (tens to 100,000 and
 * more): a 4 x 4 grid of cells whose colors spell the class (16 cells of 8 colors, from a bijective
 * scramble of the class index, so no two classes below 2^48 share a pattern), under per-image
 * brightness changes and pixel noise. With {@code corrupt} > 0 each cell of an image takes a random
 * color with that probability, so that even a perfect classifier errs (at 0.8, for 10 classes,
 * about a fifth of a cell's colors still follow the class): a set whose accuracy means something.
 * Deterministic in (seed, class, split, index).
 */
public final class SyntheticImages {
  private static final int GRID = 4;
  private static final long SCRAMBLE = 0x9E3779B97F4AL | 1L; // odd: a bijection mod 2^48
  private static final long MASK48 = (1L << 48) - 1;
  // BGR, away from 0 and 255 so brightness changes do not clip much.
  private static final int[][] PALETTE = {
    {40, 40, 40}, {215, 215, 215}, {40, 40, 215}, {40, 215, 40},
    {215, 40, 40}, {40, 215, 215}, {215, 215, 40}, {215, 40, 215}
  };

  private SyntheticImages() {}

  /** The cell colors of a class: 16 palette indices. */
  static int[] pattern(int label) {
    long code = (label * SCRAMBLE) & MASK48;
    int[] cells = new int[GRID * GRID];
    for (int i = 0; i < cells.length; i++) {
      cells[i] = (int) ((code >>> (3 * i)) & 7);
    }
    return cells;
  }

  /** One PNG image of class {@code label}, {@code size} pixels square. */
  public static byte[] png(int label, int size, long seed, String split, int index) {
    return png(label, size, seed, split, index, 0);
  }

  /** One PNG image whose cells each take a random color with probability {@code corrupt}. */
  public static byte[] png(
      int label, int size, long seed, String split, int index, double corrupt) {
    SplittableRandom rng =
        new SplittableRandom(
            seed * 1_000_003L + label * 7919L + index * 104_729L + split.hashCode());
    int[] cells = pattern(label);
    if (corrupt > 0) {
      for (int i = 0; i < cells.length; i++) {
        if (rng.nextDouble() < corrupt) {
          cells[i] = rng.nextInt(PALETTE.length);
        }
      }
    }
    int brightness = rng.nextInt(-25, 26);
    byte[] pixels = new byte[size * size * 3];
    for (int y = 0; y < size; y++) {
      int gy = Math.min(GRID - 1, y * GRID / size);
      for (int x = 0; x < size; x++) {
        int gx = Math.min(GRID - 1, x * GRID / size);
        int[] color = PALETTE[cells[gy * GRID + gx]];
        for (int c = 0; c < 3; c++) {
          int v = color[c] + brightness + (int) Math.round(rng.nextGaussian() * 12);
          pixels[(y * size + x) * 3 + c] = (byte) Math.max(0, Math.min(255, v));
        }
      }
    }
    try (DecodedImage image = ImageCodec.fromPixels(pixels, size, size, 3)) {
      return ImageCodec.encodePng(image);
    }
  }
}
