package org.ebvspark.data.image;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Turns encoded image bytes into a normalized C x H x W float tensor, following an {@link
 * AugmentSpec}. Randomness is a pure function of (seed, epoch, row key): a row gets a different
 * crop every epoch and the same crop again when an epoch is replayed after a resume, on any
 * executor. Thread-safe (no state beyond the spec).
 */
public final class Augmenter {
  static final double ERASE_SCALE_MIN = 0.02;
  static final double ERASE_SCALE_MAX = 0.33;
  static final double ERASE_RATIO_MIN = 0.3;
  static final double ERASE_RATIO_MAX = 3.3;

  private final AugmentSpec spec;

  public Augmenter(AugmentSpec spec) {
    this.spec = spec;
  }

  public AugmentSpec spec() {
    return spec;
  }

  /** The random stream of one row in one epoch. */
  public static SplittableRandom random(long seed, int epoch, long rowKey) {
    long h = mix(seed ^ 0x9E3779B97F4A7C15L);
    h = mix(h ^ epoch);
    h = mix(h ^ rowKey);
    return new SplittableRandom(h);
  }

  /** A stable 64-bit key for a row, from its source path. */
  public static long rowKey(String path) {
    long h = 1125899906842597L;
    for (int i = 0; i < path.length(); i++) {
      h = 31 * h + path.charAt(i);
    }
    return mix(h);
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Decodes and transforms one image into {@code out[offset .. offset + spec.tensorLength())}. */
  public void apply(byte[] encoded, long seed, int epoch, long rowKey, float[] out, int offset)
      throws ImageRejectedException {
    SplittableRandom rng = random(seed, epoch, rowKey);
    try (DecodedImage image = ImageCodec.decode(encoded, spec.channels())) {
      switch (spec.mode()) {
        case RANDOM_RESIZED_CROP -> randomResizedCrop(image.mat(), rng, out, offset);
        case RESIZE_CENTER_CROP -> resizeCenterCrop(image.mat(), out, offset);
        case PAD_RANDOM_CROP -> {
          int range = 2 * spec.padding() + 1;
          int dy = rng.nextInt(range) - spec.padding();
          int dx = rng.nextInt(range) - spec.padding();
          boolean flip = spec.flip() && rng.nextBoolean();
          offsetCrop(image.mat(), dy, dx, flip, out, offset);
        }
        case CENTER -> offsetCrop(image.mat(), 0, 0, false, out, offset);
      }
    }
    // Drawn after the crop's numbers, so a spec without them crops exactly as before.
    if (spec.trivialAugment()) {
      // Bilinear, as the reference recipe's preset passes it.
      TrivialAugmentWide.apply(
          out,
          offset,
          spec.channels(),
          spec.size(),
          TrivialAugmentWide.Interpolation.BILINEAR,
          rng);
    }
    normalize(out, offset);
    if (spec.erase() > 0 && rng.nextDouble() < spec.erase()) {
      erase(rng, out, offset);
    }
  }

  /**
   * torchvision's RandomErasing.get_params: up to 10 tries at an area of 2% to 33% and an aspect
   * (height / width) log-uniform in [0.3, 3.3]; the first that fits strictly inside is set to 0 in
   * every channel; none fits, nothing is erased.
   */
  private void erase(SplittableRandom rng, float[] out, int offset) {
    int size = spec.size();
    double area = (double) size * size;
    double logMin = Math.log(ERASE_RATIO_MIN);
    double logMax = Math.log(ERASE_RATIO_MAX);
    for (int attempt = 0; attempt < 10; attempt++) {
      double target =
          area * (ERASE_SCALE_MIN + rng.nextDouble() * (ERASE_SCALE_MAX - ERASE_SCALE_MIN));
      double aspect = Math.exp(logMin + rng.nextDouble() * (logMax - logMin));
      int h = (int) Math.round(Math.sqrt(target * aspect));
      int w = (int) Math.round(Math.sqrt(target / aspect));
      if (h >= size || w >= size) {
        continue;
      }
      int top = rng.nextInt(size - h + 1);
      int left = rng.nextInt(size - w + 1);
      int plane = size * size;
      for (int c = 0; c < spec.channels(); c++) {
        for (int y = top; y < top + h; y++) {
          int row = offset + c * plane + y * size;
          Arrays.fill(out, row + left, row + left + w, 0f);
        }
      }
      return;
    }
  }

  /** torchvision's RandomResizedCrop: 10 tries at a random area and ratio, else a center crop. */
  private void randomResizedCrop(Mat img, SplittableRandom rng, float[] out, int offset) {
    int height = img.rows();
    int width = img.cols();
    double area = (double) height * width;
    double logMin = Math.log(spec.ratioMin());
    double logMax = Math.log(spec.ratioMax());
    int cw = -1;
    int ch = -1;
    int x = 0;
    int y = 0;
    for (int attempt = 0; attempt < 10; attempt++) {
      double target =
          area * (spec.scaleMin() + rng.nextDouble() * (spec.scaleMax() - spec.scaleMin()));
      double aspect = Math.exp(logMin + rng.nextDouble() * (logMax - logMin));
      int w = (int) Math.round(Math.sqrt(target * aspect));
      int h = (int) Math.round(Math.sqrt(target / aspect));
      if (w > 0 && h > 0 && w <= width && h <= height) {
        cw = w;
        ch = h;
        y = rng.nextInt(height - h + 1);
        x = rng.nextInt(width - w + 1);
        break;
      }
    }
    if (cw < 0) {
      double ratio = (double) width / height;
      if (ratio < spec.ratioMin()) {
        cw = width;
        ch = (int) Math.round(cw / spec.ratioMin());
      } else if (ratio > spec.ratioMax()) {
        ch = height;
        cw = (int) Math.round(ch * spec.ratioMax());
      } else {
        cw = width;
        ch = height;
      }
      ch = Math.min(ch, height);
      cw = Math.min(cw, width);
      y = (height - ch) / 2;
      x = (width - cw) / 2;
    }
    boolean flip = spec.flip() && rng.nextBoolean();
    cropResize(img, new Rect(x, y, cw, ch), flip, out, offset);
  }

  /** Shorter side to {@code resize}, then the center {@code size} x {@code size}. */
  private void resizeCenterCrop(Mat img, float[] out, int offset) {
    int height = img.rows();
    int width = img.cols();
    double scale = (double) spec.resize() / Math.min(width, height);
    // The crop in source coordinates, so that only it is resized (same result, less work).
    double side = spec.size() / scale;
    int cw = (int) Math.min(width, Math.round(side));
    int ch = (int) Math.min(height, Math.round(side));
    int x = (width - cw) / 2;
    int y = (height - ch) / 2;
    cropResize(img, new Rect(x, y, cw, ch), false, out, offset);
  }

  private void cropResize(Mat img, Rect crop, boolean flip, float[] out, int offset) {
    int size = spec.size();
    try (Mat roi = new Mat(img, crop);
        Mat resized = new Mat()) {
      // Bilinear below a 2x reduction (OpenCV's area averaging costs about 7x more at
      // non-integer scales, measured: bench/README.md); area averaging beyond, against aliasing.
      boolean strong = crop.width() >= 2 * size || crop.height() >= 2 * size;
      resize(roi, resized, new Size(size, size), 0, 0, strong ? INTER_AREA : INTER_LINEAR);
      toTensor(resized, 0, 0, flip, out, offset);
    } finally {
      crop.close();
    }
  }

  /**
   * The {@code size} x {@code size} window at (dy, dx) from the centered position, zero outside.
   */
  private void offsetCrop(Mat img, int dy, int dx, boolean flip, float[] out, int offset) {
    int size = spec.size();
    int top = (img.rows() - size) / 2 + dy;
    int left = (img.cols() - size) / 2 + dx;
    toTensor(img, top, left, flip, out, offset);
  }

  /** Pixel values 0..255 to the spec's normalized values, (v / 255 - mean) / std per channel. */
  private void normalize(float[] out, int offset) {
    int plane = spec.size() * spec.size();
    for (int c = 0; c < spec.channels(); c++) {
      float scale = 1f / (255f * spec.std()[c]);
      float shift = -spec.mean()[c] / spec.std()[c];
      int base = offset + c * plane;
      for (int k = base; k < base + plane; k++) {
        out[k] = out[k] * scale + shift;
      }
    }
  }

  /**
   * Writes the window of {@code img} whose top-left is (top, left), {@code size} pixels square, as
   * pixel values 0..255 in RGB planes (from OpenCV's BGR), black where outside the image.
   */
  private void toTensor(Mat img, int top, int left, boolean flip, float[] out, int offset) {
    int size = spec.size();
    int channels = spec.channels();
    int width = img.cols();
    int height = img.rows();
    byte[] pixels = new byte[(int) (img.total() * img.channels())];
    img.data().get(pixels);
    int rowStride = (int) img.step(0);
    int plane = size * size;
    for (int y = 0; y < size; y++) {
      int sy = top + y;
      for (int x = 0; x < size; x++) {
        int sx = left + (flip ? size - 1 - x : x);
        int o = offset + y * size + x;
        if (sy < 0 || sy >= height || sx < 0 || sx >= width) {
          for (int c = 0; c < channels; c++) {
            out[o + c * plane] = 0f;
          }
          continue;
        }
        int p = sy * rowStride + sx * channels;
        for (int c = 0; c < channels; c++) {
          int source = channels == 3 ? 2 - c : 0; // BGR -> RGB
          out[o + c * plane] = pixels[p + source] & 0xFF;
        }
      }
    }
  }
}
