package org.ebvspark.data.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.ebvspark.testing.PlantedImages;
import org.junit.jupiter.api.Test;

class AugmenterTest {
  private static final byte[] PHOTO = PlantedImages.jpeg(500, 375, 7);

  private static float[] apply(AugmentSpec spec, byte[] bytes, int epoch, long row)
      throws Exception {
    float[] out = new float[spec.tensorLength()];
    new Augmenter(spec).apply(bytes, 42, epoch, row, out, 0);
    return out;
  }

  @Test
  void theSameRowAndEpochGiveTheSameCropAnotherEpochAnother() throws Exception {
    AugmentSpec train = AugmentSpec.imagenetTrain(224);
    float[] a = apply(train, PHOTO, 3, 1234);
    float[] b = apply(train, PHOTO, 3, 1234);
    float[] c = apply(train, PHOTO, 4, 1234);
    float[] d = apply(train, PHOTO, 3, 1235);
    assertThat(a).hasSize(3 * 224 * 224);
    assertThat(a).isEqualTo(b);
    assertThat(Arrays.equals(a, c)).isFalse();
    assertThat(Arrays.equals(a, d)).isFalse();
  }

  @Test
  void evaluationIsDeterministicAndCentered() throws Exception {
    AugmentSpec eval = AugmentSpec.imagenetEval(256, 224);
    assertThat(apply(eval, PHOTO, 0, 1)).isEqualTo(apply(eval, PHOTO, 9, 2));
    // A uniform image normalizes to (v / 255 - mean) / std in every pixel of each plane.
    byte[] gray = new byte[300 * 200 * 3];
    Arrays.fill(gray, (byte) 128);
    byte[] uniform;
    try (DecodedImage img = ImageCodec.fromPixels(gray, 300, 200, 3)) {
      uniform = ImageCodec.encodePng(img);
    }
    float[] t = apply(eval, uniform, 0, 0);
    float expectedRed = (128 / 255f - 0.485f) / 0.229f;
    assertThat(t[0]).isCloseTo(expectedRed, within(1e-4f));
    assertThat(t[224 * 224 - 1]).isCloseTo(expectedRed, within(1e-4f));
  }

  @Test
  void channelsComeOutInRgbOrder() throws Exception {
    byte[] bgr = new byte[32 * 32 * 3];
    for (int i = 0; i < 32 * 32; i++) {
      bgr[3 * i] = (byte) 255; // blue in OpenCV's BGR order
    }
    byte[] png;
    try (DecodedImage img = ImageCodec.fromPixels(bgr, 32, 32, 3)) {
      png = ImageCodec.encodePng(img);
    }
    float[] mean = {0, 0, 0};
    float[] std = {1, 1, 1};
    float[] t = apply(AugmentSpec.smallEval(32, 3, mean, std), png, 0, 0);
    int plane = 32 * 32;
    assertThat(t[0]).isZero(); // R
    assertThat(t[plane]).isZero(); // G
    assertThat(t[2 * plane]).isEqualTo(1f); // B
  }

  @Test
  void smallImagesArePaddedWithZerosBeforeTheRandomCrop() throws Exception {
    byte[] white = new byte[28 * 28];
    Arrays.fill(white, (byte) 255);
    byte[] png;
    try (DecodedImage img = ImageCodec.fromPixels(white, 28, 28, 1)) {
      png = ImageCodec.encodePng(img);
    }
    AugmentSpec spec = AugmentSpec.smallTrain(28, 4, 1, new float[] {0}, new float[] {1});
    boolean sawPadding = false;
    for (int row = 0; row < 50 && !sawPadding; row++) {
      float[] t = apply(spec, png, 0, row);
      for (float v : t) {
        assertThat(v == 0f || Math.abs(v - 1f) < 1e-6f).as("pixel %s", v).isTrue();
        sawPadding |= v == 0f;
      }
    }
    assertThat(sawPadding).isTrue();
  }

  @Test
  void flipsMirrorTheImage() throws Exception {
    byte[] left = new byte[32 * 32];
    for (int y = 0; y < 32; y++) {
      for (int x = 0; x < 16; x++) {
        left[y * 32 + x] = (byte) 255;
      }
    }
    byte[] png;
    try (DecodedImage img = ImageCodec.fromPixels(left, 32, 32, 1)) {
      png = ImageCodec.encodePng(img);
    }
    AugmentSpec spec =
        new AugmentSpec(
            AugmentSpec.Mode.PAD_RANDOM_CROP,
            32,
            0,
            0,
            0,
            0,
            0,
            0,
            true,
            1,
            new float[] {0},
            new float[] {1},
            0,
            false,
            0,
            0);
    int flipped = 0;
    for (int row = 0; row < 40; row++) {
      float[] t = apply(spec, png, 0, row);
      if (t[0] == 0f) {
        assertThat(t[31]).isEqualTo(1f);
        flipped++;
      } else {
        assertThat(t[31]).isEqualTo(0f);
      }
    }
    assertThat(flipped).isBetween(8, 32); // about half
  }

  @Test
  void randomErasingZeroesOneRectangleOfTorchvisionsShapeAndLeavesTheCropAlone() throws Exception {
    byte[] png = gradientPng(32, 3);
    float[] mean = {0.5f, 0.5f, 0.5f};
    float[] std = {0.25f, 0.25f, 0.25f};
    AugmentSpec plain = AugmentSpec.smallTrain(32, 4, 3, mean, std);
    AugmentSpec always = plain.withErasing(1.0);
    int plane = 32 * 32;
    java.util.Set<String> rectangles = new java.util.HashSet<>();
    for (int row = 0; row < 200; row++) {
      float[] before = apply(plain, png, 3, row);
      float[] after = apply(always, png, 3, row);
      assertThat(apply(always, png, 3, row))
          .as("deterministic in seed, epoch, row")
          .isEqualTo(after);
      // The changed pixels: the same positions in every channel, forming one filled rectangle.
      int top = 32, left = 32, bottom = -1, right = -1, changed = 0;
      for (int p = 0; p < plane; p++) {
        boolean zero = after[p] == 0f && after[plane + p] == 0f && after[2 * plane + p] == 0f;
        boolean differs = after[p] != before[p];
        if (differs) {
          assertThat(zero).as("row %d pixel %d", row, p).isTrue();
        }
        if (zero && (before[p] != 0f || before[plane + p] != 0f || before[2 * plane + p] != 0f)) {
          changed++;
          top = Math.min(top, p / 32);
          bottom = Math.max(bottom, p / 32);
          left = Math.min(left, p % 32);
          right = Math.max(right, p % 32);
        } else if (!zero) {
          // Outside the rectangle everything is the plain crop, in every channel.
          for (int c = 0; c < 3; c++) {
            assertThat(after[c * plane + p]).isEqualTo(before[c * plane + p]);
          }
        }
      }
      if (changed == 0) {
        continue; // 10 tries without a rectangle that fits strictly inside: nothing erased
      }
      int h = bottom - top + 1;
      int w = right - left + 1;
      for (int y = top; y <= bottom; y++) {
        for (int x = left; x <= right; x++) {
          assertThat(after[y * 32 + x]).as("inside the rectangle, row %d", row).isZero();
        }
      }
      assertThat(h).isLessThan(32);
      assertThat(w).isLessThan(32);
      // Area 2%..33% and aspect 0.3..3.3 before each side is rounded to whole pixels (a 2 x 8
      // rectangle from 20.5 pixels at 0.3 is the smallest case).
      double area = (double) h * w / plane;
      assertThat(area).isBetween(0.012, 0.40);
      assertThat((double) h / w).isBetween(0.2, 5.0);
      rectangles.add(top + "," + left + "," + h + "," + w);
    }
    assertThat(rectangles).as("rectangles differ between rows").hasSizeGreaterThan(100);
  }

  @Test
  void randomErasingHappensAtItsProbability() throws Exception {
    byte[] png = gradientPng(32, 1);
    AugmentSpec plain = AugmentSpec.smallTrain(32, 4, 1, new float[] {0.5f}, new float[] {0.5f});
    AugmentSpec tenth = plain.withErasing(0.1);
    int erased = 0;
    int rows = 2000;
    for (int row = 0; row < rows; row++) {
      if (!java.util.Arrays.equals(apply(plain, png, 0, row), apply(tenth, png, 0, row))) {
        erased++;
      }
    }
    // Binomial(2000, 0.1) (a few tries find no fitting rectangle): 200 +- 5 sigma of 13.4.
    assertThat(erased).isBetween(130, 267);
    assertThatThrownBy(
            () -> AugmentSpec.smallEval(32, 1, new float[] {0}, new float[] {1}).withErasing(0.1))
        .hasMessageContaining("random erasing is for training");
    assertThatThrownBy(() -> plain.withErasing(1.5)).hasMessageContaining("must be in [0, 1]");
  }

  /** A PNG whose pixels are all different from 0 after normalization (a gradient from 40). */
  private static byte[] gradientPng(int side, int channels) throws Exception {
    byte[] pixels = new byte[side * side * channels];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (byte) (40 + (i * 7) % 200);
    }
    try (DecodedImage img = ImageCodec.fromPixels(pixels, side, side, channels)) {
      return ImageCodec.encodePng(img);
    }
  }
}
