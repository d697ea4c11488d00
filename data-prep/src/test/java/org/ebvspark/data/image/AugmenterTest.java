package org.ebvspark.data.image;

import static org.assertj.core.api.Assertions.assertThat;
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
            new float[] {1});
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
}
