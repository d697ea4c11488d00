package org.ebvspark.testing;

import java.awt.image.DataBuffer;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import org.ebvspark.data.image.DecodedImage;
import org.ebvspark.data.image.ImageCodec;

/**
 * Image files written by hand for tests: good JPEGs and PNGs of a given size, and the bad inputs a
 * real ImageNet copy contains (empty, truncated, not an image, PNG named .JPEG, CMYK, grayscale).
 */
public final class PlantedImages {
  private PlantedImages() {}

  /** Random BGR pixels. */
  public static byte[] pixels(int width, int height, int channels, long seed) {
    byte[] p = new byte[width * height * channels];
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < p.length; i++) {
      p[i] = (byte) r.nextInt(256);
    }
    return p;
  }

  public static byte[] jpeg(int width, int height, long seed) {
    try (DecodedImage image =
        ImageCodec.fromPixels(pixels(width, height, 3, seed), width, height, 3)) {
      return ImageCodec.encodeJpeg(image, 90);
    }
  }

  public static byte[] grayJpeg(int width, int height, long seed) {
    try (DecodedImage image =
        ImageCodec.fromPixels(pixels(width, height, 1, seed), width, height, 1)) {
      return ImageCodec.encodeJpeg(image, 90);
    }
  }

  public static byte[] png(int width, int height, long seed) {
    try (DecodedImage image =
        ImageCodec.fromPixels(pixels(width, height, 3, seed), width, height, 3)) {
      return ImageCodec.encodePng(image);
    }
  }

  /** A 4-channel (CMYK) JPEG, as some ImageNet files are, written through javax.imageio. */
  public static byte[] cmykJpeg(int width, int height, long seed) throws IOException {
    byte[] data = pixels(width, height, 4, seed);
    WritableRaster raster =
        Raster.createWritableRaster(
            new PixelInterleavedSampleModel(
                DataBuffer.TYPE_BYTE, width, height, 4, width * 4, new int[] {0, 1, 2, 3}),
            null);
    raster.setDataElements(0, 0, width, height, data);
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (var stream = ImageIO.createImageOutputStream(out)) {
      writer.setOutput(stream);
      writer.write(null, new IIOImage(raster, null, null), null);
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }

  public static byte[] truncated(byte[] image) {
    return Arrays.copyOf(image, image.length / 2);
  }

  /**
   * An ImageNet-like tree under {@code root}: train/{n01,n02,n03} with 4 good JPEGs each, val/ as
   * class folders with 2 each, and planted bad inputs in train/n02 (see the test for the list).
   */
  public static void imagenetTree(Path root) throws IOException {
    String[] classes = {"n03", "n01", "n02"}; // created out of order: the table sorts them
    long seed = 1;
    for (String c : classes) {
      Path train = Files.createDirectories(root.resolve("train").resolve(c));
      Path val = Files.createDirectories(root.resolve("val").resolve(c));
      for (int i = 0; i < 4; i++) {
        Files.write(train.resolve(c + "_" + i + ".JPEG"), jpeg(40 + i, 30, seed++));
      }
      for (int i = 0; i < 2; i++) {
        Files.write(val.resolve("val_" + c + "_" + i + ".JPEG"), jpeg(32, 32, seed++));
      }
    }
    Path bad = root.resolve("train").resolve("n02");
    Files.write(bad.resolve("empty.JPEG"), new byte[0]);
    Files.write(bad.resolve("truncated.JPEG"), truncated(jpeg(64, 48, seed++)));
    Files.writeString(bad.resolve("notes.JPEG"), "this is not an image\n");
    Files.write(bad.resolve("really_a_png.JPEG"), png(20, 20, seed++));
    Files.write(bad.resolve("cmyk.JPEG"), cmykJpeg(24, 16, seed++));
    Files.write(bad.resolve("gray.JPEG"), grayJpeg(24, 24, seed++));
    Files.createSymbolicLink(bad.resolve("dangling.JPEG"), root.resolve("nowhere.JPEG"));
  }
}
