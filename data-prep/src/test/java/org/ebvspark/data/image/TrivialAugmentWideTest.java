package org.ebvspark.data.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.ebvspark.data.image.TrivialAugmentWide.Interpolation;
import org.ebvspark.data.image.TrivialAugmentWide.Op;
import org.ebvspark.model.Provenance;
import org.ebvspark.testing.PlantedImages;
import org.junit.jupiter.api.Test;

/**
 * Each TrivialAugment-wide operation against its definition on small fixed images, and against what
 * torchvision 0.14's own {@code _apply_op} made of fixed 9 x 9 images (the fixture is written by
 * bench/python/trivial_augment_fixture.py).
 */
class TrivialAugmentWideTest {
  private static float[] ramp(int channels, int size) {
    float[] v = new float[channels * size * size];
    for (int k = 0; k < v.length; k++) {
      v[k] = (k * 37) % 256;
    }
    return v;
  }

  private static float[] applied(Op op, double m, float[] in, int channels, int size) {
    return applied(op, m, Interpolation.NEAREST, in, channels, size);
  }

  private static float[] applied(
      Op op, double m, Interpolation interpolation, float[] in, int channels, int size) {
    float[] v = in.clone();
    TrivialAugmentWide.apply(op, m, interpolation, v, 0, channels, size);
    return v;
  }

  @Test
  void magnitudeBinsAreTorchvisionsWideSpace() {
    assertThat(TrivialAugmentWide.magnitude(Op.SHEAR_X, 30)).isEqualTo((float) 0.99);
    assertThat(TrivialAugmentWide.magnitude(Op.TRANSLATE_Y, 15)).isEqualTo(16.0);
    assertThat(TrivialAugmentWide.magnitude(Op.ROTATE, 30)).isEqualTo(135.0);
    assertThat(TrivialAugmentWide.magnitude(Op.SOLARIZE, 0)).isEqualTo(255.0);
    assertThat(TrivialAugmentWide.magnitude(Op.SOLARIZE, 30)).isEqualTo(0.0);
    // 8 - round(bin / 5): 8 bits for bins 0-2, down to 2 bits for bins 28-30.
    assertThat(TrivialAugmentWide.magnitude(Op.POSTERIZE, 2)).isEqualTo(8.0);
    assertThat(TrivialAugmentWide.magnitude(Op.POSTERIZE, 3)).isEqualTo(7.0);
    assertThat(TrivialAugmentWide.magnitude(Op.POSTERIZE, 30)).isEqualTo(2.0);
  }

  @Test
  void pointOperationsFollowTheirDefinitions() {
    float[] in = ramp(3, 4);
    // Solarize: values at or above the threshold are inverted.
    float[] s = applied(Op.SOLARIZE, 128, in, 3, 4);
    for (int k = 0; k < in.length; k++) {
      assertThat(s[k]).isEqualTo(in[k] >= 128 ? 255 - in[k] : in[k]);
    }
    // Posterize to 3 bits keeps the top 3 bits.
    float[] p = applied(Op.POSTERIZE, 3, in, 3, 4);
    for (int k = 0; k < in.length; k++) {
      assertThat(p[k]).isEqualTo(((int) in[k]) & 0xE0);
    }
    // Brightness 1 + m scales and truncates, clamped at 255.
    float[] b = applied(Op.BRIGHTNESS, 0.5, in, 3, 4);
    for (int k = 0; k < in.length; k++) {
      assertThat(b[k]).isEqualTo((float) Math.floor(Math.min(255, 1.5f * in[k])));
    }
    // Color on a gray image changes nothing (its grayscale is itself).
    float[] gray = ramp(1, 4);
    assertThat(applied(Op.COLOR, 0.9, gray, 1, 4)).isEqualTo(gray);
    // Contrast -1 (factor 0) gives the mean gray level everywhere, truncated.
    float[] c = applied(Op.CONTRAST, -1, gray, 1, 4);
    double mean = 0;
    for (float x : gray) {
      mean += x / gray.length;
    }
    for (float x : c) {
      assertThat(x).isEqualTo((float) Math.floor((float) mean));
    }
  }

  @Test
  void autoContrastStretchesAndEqualizeFlattensTheHistogram() {
    float[] narrow = new float[16];
    for (int k = 0; k < 16; k++) {
      narrow[k] = 100 + k;
    }
    float[] a = applied(Op.AUTO_CONTRAST, 0, narrow, 1, 4);
    assertThat(a[0]).isEqualTo(0f);
    assertThat(a[15]).isEqualTo(255f);
    assertThat(a[5]).isEqualTo((float) Math.floor(5 * 255f / 15));
    // 16 distinct values: step = 15 / 255 = 0, so equalize leaves the image as it is ...
    assertThat(applied(Op.EQUALIZE, 0, narrow, 1, 4)).isEqualTo(narrow);
    // ... and with 1024 pixels over four levels it spreads them over 0..255.
    float[] four = new float[32 * 32];
    for (int k = 0; k < four.length; k++) {
      four[k] = 60 + (k % 4);
    }
    float[] e = applied(Op.EQUALIZE, 0, four, 1, 32);
    // step = (1024 - 256) / 255 = 3; lut = min(255, (cumulative before v + 1) / 3).
    assertThat(e[0]).isEqualTo(0f);
    assertThat(e[1]).isEqualTo((256 + 1) / 3);
    assertThat(e[2]).isEqualTo((512 + 1) / 3);
    assertThat(e[3]).isEqualTo(255f);
  }

  @Test
  void geometricOperationsMoveWholePixelsAndFillWithBlack() {
    int size = 6;
    float[] in = ramp(1, size);
    for (int k = 0; k < in.length; k++) {
      in[k] = 1 + k; // no zeros, so that the black fill is visible
    }
    float[] t = applied(Op.TRANSLATE_X, 2.7, in, 1, size); // int(2.7) = 2 pixels right
    for (int j = 0; j < size; j++) {
      for (int i = 0; i < size; i++) {
        assertThat(t[j * size + i]).isEqualTo(i < 2 ? 0 : in[j * size + i - 2]);
      }
    }
    float[] up = applied(Op.TRANSLATE_Y, -1, in, 1, size);
    for (int i = 0; i < size; i++) {
      assertThat(up[(size - 1) * size + i]).isEqualTo(0f);
      assertThat(up[i]).isEqualTo(in[size + i]);
    }
    // Rotation by 90 degrees (counter-clockwise) about the center is exact.
    float[] r = applied(Op.ROTATE, 90, in, 1, size);
    for (int j = 0; j < size; j++) {
      for (int i = 0; i < size; i++) {
        assertThat(r[j * size + i]).isEqualTo(in[i * size + (size - 1 - j)]);
      }
    }
    // ShearX about the top-left corner: row j reads column i + m (j + 1/2), rounded.
    float[] sh = applied(Op.SHEAR_X, 0.5, in, 1, size);
    for (int j = 0; j < size; j++) {
      for (int i = 0; i < size; i++) {
        long x = Math.round(Math.rint(i + 0.5 * (j + 0.5)));
        assertThat(sh[j * size + i]).isEqualTo(x < size ? in[j * size + (int) x] : 0f);
      }
    }
  }

  @Test
  void everyOperationMatchesTorchvisionOnTheFixture() throws Exception {
    JsonNode doc;
    try (InputStream in = getClass().getResourceAsStream("/trivial-augment-torchvision.json")) {
      doc = Provenance.json().readTree(in);
    }
    int size = doc.get("size").asInt();
    float[] rgb = floats(doc.get("rgb"));
    float[] gray = floats(doc.get("gray"));
    Set<Op> covered = EnumSet.noneOf(Op.class);
    List<String> mismatches = new ArrayList<>();
    int bilinearOff = 0;
    int bilinearPixels = 0;
    for (JsonNode c : doc.get("cases")) {
      Op op = Op.valueOf(snake(c.get("op").asText()));
      boolean color = c.get("image").asText().equals("rgb");
      float[] expected = floats(c.get("output"));
      Interpolation interpolation =
          Interpolation.valueOf(c.get("interpolation").asText().toUpperCase(java.util.Locale.ROOT));
      float[] got =
          applied(
              op,
              c.get("magnitude").asDouble(),
              interpolation,
              color ? rgb : gray,
              color ? 3 : 1,
              size);
      covered.add(op);
      boolean bilinear = interpolation == Interpolation.BILINEAR;
      bilinearPixels += bilinear ? expected.length : 0;
      for (int k = 0; k < expected.length; k++) {
        // torch computes the sampling grid and the bilinear weights in float32: a value that
        // lands on a half can round the other way. Off by one there, exact everywhere else.
        if (bilinear && Math.abs(got[k] - expected[k]) == 1) {
          bilinearOff++;
        } else if (got[k] != expected[k]) {
          mismatches.add(
              c.get("op").asText()
                  + " m="
                  + c.get("magnitude").asDouble()
                  + " "
                  + c.get("image").asText()
                  + " "
                  + interpolation
                  + " at "
                  + k
                  + ": "
                  + got[k]
                  + " vs "
                  + expected[k]);
        }
      }
    }
    assertThat(covered).isEqualTo(EnumSet.allOf(Op.class));
    assertThat(mismatches).isEmpty();
    assertThat(bilinearOff).isLessThan(bilinearPixels / 500);
  }

  @Test
  void theDrawIsAPureFunctionOfTheRowAndFollowsTheCrop() throws Exception {
    byte[] png = PlantedImages.jpeg(40, 40, 3);
    AugmentSpec spec =
        AugmentSpec.smallTrain(32, 4, 3, new float[] {0, 0, 0}, new float[] {1, 1, 1})
            .withTrivialAugment(true);
    float[] a = new float[spec.tensorLength()];
    float[] b = new float[spec.tensorLength()];
    new Augmenter(spec).apply(png, 42, 3, 77, a, 0);
    new Augmenter(spec).apply(png, 42, 3, 77, b, 0);
    assertThat(a).isEqualTo(b);
    // The same crop with and without it (TrivialAugment draws after the crop): about one row in
    // 14 draws the identity (and a few draws change nothing, e.g. 8-bit posterize), the rest
    // differ.
    AugmentSpec plain = spec.withTrivialAugment(false);
    int same = 0;
    int rows = 280;
    for (long row = 0; row < rows; row++) {
      float[] with = new float[spec.tensorLength()];
      float[] without = new float[spec.tensorLength()];
      new Augmenter(spec).apply(png, 42, 0, row, with, 0);
      new Augmenter(plain).apply(png, 42, 0, row, without, 0);
      same += java.util.Arrays.equals(with, without) ? 1 : 0;
    }
    assertThat(same).isBetween(rows / 40, rows / 4);
    // Every output is a normalized whole pixel value (v / 255 with mean 0, std 1).
    for (float v : a) {
      assertThat(Math.abs(v * 255 - Math.rint(v * 255))).isLessThan(1e-3);
    }
  }

  private static String snake(String camel) {
    return camel.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(java.util.Locale.ROOT);
  }

  private static float[] floats(JsonNode array) {
    float[] out = new float[array.size()];
    for (int k = 0; k < out.length; k++) {
      out[k] = (float) array.get(k).asDouble();
    }
    return out;
  }
}
