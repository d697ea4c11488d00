package org.ebvspark.data.image;

import java.util.SplittableRandom;

/**
 * TrivialAugment in its wide form (Müller and Hutter 2021), as torchvision's {@code
 * TrivialAugmentWide} does it on uint8 image tensors: one of 14 operations drawn uniformly, at one
 * of 31 magnitude bins drawn uniformly, negated with probability 1/2 where the operation is signed.
 * Geometric operations fill with black and sample the nearest pixel or bilinearly.
 *
 * <p>The image is {@code channels} planes of {@code size x size} pixel values 0..255 held in floats
 * (the augmenter's buffer before normalization); every operation leaves whole numbers in 0..255, as
 * a uint8 result would be. Arithmetic follows torchvision's tensor functions (float32 products,
 * truncation to uint8), so a pixel may differ by one from PIL's integer paths.
 */
public final class TrivialAugmentWide {
  /** Magnitude bins, as torchvision's {@code num_bins}. */
  public static final int BINS = 31;

  /** The operations, in torchvision's order (the draw picks the index). */
  public enum Op {
    IDENTITY(false, false),
    SHEAR_X(true, true),
    SHEAR_Y(true, true),
    TRANSLATE_X(true, true),
    TRANSLATE_Y(true, true),
    ROTATE(true, true),
    BRIGHTNESS(true, true),
    COLOR(true, true),
    CONTRAST(true, true),
    SHARPNESS(true, true),
    POSTERIZE(true, false),
    SOLARIZE(true, false),
    AUTO_CONTRAST(false, false),
    EQUALIZE(false, false);

    private final boolean binned;
    private final boolean signed;

    Op(boolean binned, boolean signed) {
      this.binned = binned;
      this.signed = signed;
    }

    /** Whether a magnitude bin is drawn for it. */
    public boolean binned() {
      return binned;
    }

    /** Whether its magnitude is negated with probability 1/2. */
    public boolean signed() {
      return signed;
    }
  }

  private static final Op[] OPS = Op.values();

  private TrivialAugmentWide() {}

  /**
   * The magnitude of bin {@code bin} (0..30) before the sign, as torchvision's wide augmentation
   * space: shear and color factors linspace(0, 0.99), translation linspace(0, 32) pixels, rotation
   * linspace(0, 135) degrees, posterize 8 - round(bin / 5) bits, solarize linspace(255, 0).
   */
  public static double magnitude(Op op, int bin) {
    if (bin < 0 || bin >= BINS) {
      throw new IllegalArgumentException("bin must be in 0.." + (BINS - 1) + ", got " + bin);
    }
    return switch (op) {
      case SHEAR_X, SHEAR_Y, BRIGHTNESS, COLOR, CONTRAST, SHARPNESS -> linspace(0, 0.99, bin);
      case TRANSLATE_X, TRANSLATE_Y -> linspace(0, 32, bin);
      case ROTATE -> linspace(0, 135, bin);
      case POSTERIZE -> 8 - Math.rint(bin / 5.0);
      case SOLARIZE -> linspace(255, 0, bin);
      case IDENTITY, AUTO_CONTRAST, EQUALIZE -> 0;
    };
  }

  /** torch.linspace in float32, as the magnitudes are stored there. */
  private static double linspace(double start, double end, int i) {
    return (float) (start + (end - start) * i / (BINS - 1));
  }

  /**
   * How the geometric operations sample: torchvision's TrivialAugmentWide defaults to nearest; the
   * reference recipe's preset (torchvision's classification references) passes bilinear.
   */
  public enum Interpolation {
    NEAREST,
    BILINEAR
  }

  /** Draws an operation, a bin and a sign from {@code rng} and applies it. */
  public static void apply(
      float[] image,
      int offset,
      int channels,
      int size,
      Interpolation interpolation,
      SplittableRandom rng) {
    Op op = OPS[rng.nextInt(OPS.length)];
    double m = op.binned() ? magnitude(op, rng.nextInt(BINS)) : 0;
    if (op.signed() && rng.nextBoolean()) {
      m = -m;
    }
    apply(op, m, interpolation, image, offset, channels, size);
  }

  /** Applies {@code op} at signed magnitude {@code m}. */
  public static void apply(
      Op op,
      double m,
      Interpolation interpolation,
      float[] image,
      int offset,
      int channels,
      int size) {
    Planes p = new Planes(image, offset, channels, size, interpolation);
    double half = size * 0.5;
    switch (op) {
      case IDENTITY -> {}
      // torchvision shears about the top-left corner: source column i + m (j + 1/2) for ShearX.
      case SHEAR_X -> p.warp(1, m, m * 0.5, 0, 1, 0);
      case SHEAR_Y -> p.warp(1, 0, 0, m, 1, m * 0.5);
      case TRANSLATE_X -> p.warp(1, 0, -(int) m, 0, 1, 0);
      case TRANSLATE_Y -> p.warp(1, 0, 0, 0, 1, -(int) m);
      case ROTATE -> {
        // Counter-clockwise about the center: pixel center (x, y) relative to the center reads
        // (cos t x - sin t y, sin t x + cos t y).
        double t = Math.toRadians(m);
        double cos = Math.cos(t);
        double sin = Math.sin(t);
        double c = 0.5 - half;
        p.warp(cos, -sin, cos * c - sin * c + half - 0.5, sin, cos, sin * c + cos * c + half - 0.5);
      }
      case BRIGHTNESS -> p.brightness(1 + m);
      case COLOR -> p.saturation(1 + m);
      case CONTRAST -> p.contrast(1 + m);
      case SHARPNESS -> p.sharpness(1 + m);
      case POSTERIZE -> p.posterize((int) m);
      case SOLARIZE -> p.solarize(m);
      case AUTO_CONTRAST -> p.autoContrast();
      case EQUALIZE -> p.equalize();
    }
  }

  /** The image's planes, and the operations on them. */
  private static final class Planes {
    private final float[] v;
    private final int offset;
    private final int channels;
    private final int size;
    private final int plane;
    private final Interpolation interpolation;

    Planes(float[] v, int offset, int channels, int size, Interpolation interpolation) {
      this.v = v;
      this.offset = offset;
      this.channels = channels;
      this.size = size;
      this.plane = size * size;
      this.interpolation = interpolation;
    }

    private int at(int c) {
      return offset + c * plane;
    }

    /**
     * Output pixel (column i, row j) takes the source at column ax i + bx j + cx, row ay i + by j +
     * cy (pixel indices; torchvision's inverse affine grid, unnormalized as grid_sample does with
     * align_corners false), black outside: nearest rounds half to even; bilinear weighs the four
     * neighbours, zero outside, and rounds the result.
     */
    void warp(double ax, double bx, double cx, double ay, double by, double cy) {
      float[] src = new float[plane];
      for (int ch = 0; ch < channels; ch++) {
        int base = at(ch);
        System.arraycopy(v, base, src, 0, plane);
        for (int j = 0; j < size; j++) {
          for (int i = 0; i < size; i++) {
            double x = ax * i + bx * j + cx;
            double y = ay * i + by * j + cy;
            v[base + j * size + i] =
                interpolation == Interpolation.NEAREST ? nearest(src, x, y) : bilinear(src, x, y);
          }
        }
      }
    }

    private float pixel(float[] src, long x, long y) {
      return x >= 0 && x < size && y >= 0 && y < size ? src[(int) y * size + (int) x] : 0f;
    }

    private float nearest(float[] src, double x, double y) {
      return pixel(src, (long) Math.rint(x), (long) Math.rint(y));
    }

    private float bilinear(float[] src, double x, double y) {
      double fx = Math.floor(x);
      double fy = Math.floor(y);
      long x0 = (long) fx;
      long y0 = (long) fy;
      double wx = x - fx;
      double wy = y - fy;
      double s =
          (1 - wx) * (1 - wy) * pixel(src, x0, y0)
              + wx * (1 - wy) * pixel(src, x0 + 1, y0)
              + (1 - wx) * wy * pixel(src, x0, y0 + 1)
              + wx * wy * pixel(src, x0 + 1, y0 + 1);
      return (float) Math.rint(s);
    }

    /**
     * torchvision's _blend: trunc(clamp(ratio v + (1 - ratio) other, 0, 255)) in float32, with both
     * weights rounded from double (as PyTorch takes the Python floats).
     */
    private static final class Blend {
      private final float ratio;
      private final float rest;

      Blend(double ratio) {
        this.ratio = (float) ratio;
        this.rest = (float) (1.0 - ratio);
      }

      float of(float value, float other) {
        float mixed = ratio * value + rest * other;
        return (float) Math.floor(Math.min(255f, Math.max(0f, mixed)));
      }
    }

    void brightness(double factor) {
      Blend b = new Blend(factor);
      for (int k = 0; k < channels * plane; k++) {
        v[offset + k] = b.of(v[offset + k], 0f);
      }
    }

    /** rgb_to_grayscale: trunc(0.2989 R + 0.587 G + 0.114 B) in float32; a gray plane as is. */
    private float[] gray() {
      float[] g = new float[plane];
      if (channels == 1) {
        System.arraycopy(v, offset, g, 0, plane);
        return g;
      }
      for (int k = 0; k < plane; k++) {
        float l = 0.2989f * v[at(0) + k] + 0.587f * v[at(1) + k] + 0.114f * v[at(2) + k];
        g[k] = (float) Math.floor(l);
      }
      return g;
    }

    /** Blend with the grayscale image; a gray image is unchanged (as torchvision, and PIL). */
    void saturation(double factor) {
      if (channels == 1) {
        return;
      }
      float[] g = gray();
      Blend b = new Blend(factor);
      for (int c = 0; c < channels; c++) {
        for (int k = 0; k < plane; k++) {
          v[at(c) + k] = b.of(v[at(c) + k], g[k]);
        }
      }
    }

    /** Blend with the mean of the grayscale image (a float, not rounded). */
    void contrast(double factor) {
      float[] g = gray();
      double sum = 0;
      for (float x : g) {
        sum += x;
      }
      float mean = (float) (sum / plane);
      Blend b = new Blend(factor);
      for (int k = 0; k < channels * plane; k++) {
        v[offset + k] = b.of(v[offset + k], mean);
      }
    }

    /**
     * Blend with the image smoothed by the 3 x 3 kernel [1 1 1; 1 5 1; 1 1 1] / 13 (rounded half to
     * even), whose border pixels are the image's own (the blend still runs there, so float32
     * rounding can take one off them, as in torchvision); images of 2 pixels or less are unchanged.
     */
    void sharpness(double factor) {
      if (size <= 2) {
        return;
      }
      Blend b = new Blend(factor);
      float w = 1f / 13f;
      float center = 5f / 13f;
      float[] src = new float[plane];
      for (int c = 0; c < channels; c++) {
        int base = at(c);
        System.arraycopy(v, base, src, 0, plane);
        for (int j = 0; j < size; j++) {
          for (int i = 0; i < size; i++) {
            int k = j * size + i;
            float smooth = src[k];
            if (j > 0 && j < size - 1 && i > 0 && i < size - 1) {
              float s = 0f;
              for (int dj = -1; dj <= 1; dj++) {
                for (int di = -1; di <= 1; di++) {
                  s += (dj == 0 && di == 0 ? center : w) * src[k + dj * size + di];
                }
              }
              smooth = (float) Math.rint(s);
            }
            v[base + k] = b.of(src[k], smooth);
          }
        }
      }
    }

    /** Keeps the top {@code bits} bits of every value. */
    void posterize(int bits) {
      int mask = -(1 << (8 - bits));
      for (int k = 0; k < channels * plane; k++) {
        v[offset + k] = ((int) v[offset + k]) & mask;
      }
    }

    /** Values at or above {@code threshold} become 255 minus themselves. */
    void solarize(double threshold) {
      for (int k = 0; k < channels * plane; k++) {
        float x = v[offset + k];
        if (x >= threshold) {
          v[offset + k] = 255f - x;
        }
      }
    }

    /** Each channel stretched to 0..255 (a constant channel is left as it is). */
    void autoContrast() {
      for (int c = 0; c < channels; c++) {
        int base = at(c);
        float min = 255f;
        float max = 0f;
        for (int k = 0; k < plane; k++) {
          min = Math.min(min, v[base + k]);
          max = Math.max(max, v[base + k]);
        }
        if (max == min) {
          continue;
        }
        float scale = 255f / (max - min);
        for (int k = 0; k < plane; k++) {
          float y = (v[base + k] - min) * scale;
          v[base + k] = (float) Math.floor(Math.min(255f, Math.max(0f, y)));
        }
      }
    }

    /**
     * Histogram equalization per channel (torchvision's _scale_channel, PIL's ImageOps.equalize):
     * step = (pixels - count of the last nonzero histogram bin) / 255, integer; a lookup table
     * (cumulative count before v + step / 2) / step; a channel with step 0 is unchanged.
     */
    void equalize() {
      for (int c = 0; c < channels; c++) {
        int base = at(c);
        long[] hist = new long[256];
        for (int k = 0; k < plane; k++) {
          hist[(int) v[base + k]]++;
        }
        long last = 0;
        for (int b = 255; b >= 0; b--) {
          if (hist[b] != 0) {
            last = hist[b];
            break;
          }
        }
        long step = (plane - last) / 255;
        if (step == 0) {
          continue;
        }
        int[] lut = new int[256];
        long cumulative = 0;
        for (int b = 0; b < 256; b++) {
          lut[b] = (int) Math.min(255, (cumulative + step / 2) / step);
          cumulative += hist[b];
        }
        for (int k = 0; k < plane; k++) {
          v[base + k] = lut[(int) v[base + k]];
        }
      }
    }
  }
}
