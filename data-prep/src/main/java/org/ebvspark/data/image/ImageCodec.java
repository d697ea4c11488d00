package org.ebvspark.data.image;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_GRAYSCALE;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * The one image decoder of the project, for preparation, training and evaluation alike: OpenCV
 * (libjpeg-turbo, libpng) through JavaCPP. Color images decode to BGR, and every consumer converts
 * with that in mind; grayscale and CMYK JPEGs decode to 3 channels when color is asked for.
 */
public final class ImageCodec {
  private ImageCodec() {}

  /**
   * Checks that {@code bytes} hold a complete JPEG or PNG and decodes it.
   *
   * @param channels 3 for color (BGR), 1 for gray
   * @throws ImageRejectedException with the reason, for anything else
   */
  public static DecodedImage decode(byte[] bytes, int channels) throws ImageRejectedException {
    if (bytes.length == 0) {
      throw new ImageRejectedException("empty file");
    }
    ImageFormat format = ImageFormat.sniff(bytes);
    if (format == null) {
      throw new ImageRejectedException(
          "not a JPEG or PNG image (starts with " + ImageFormat.head(bytes) + ")");
    }
    if (!format.looksComplete(bytes)) {
      throw new ImageRejectedException(
          "truncated " + format.label() + " (" + bytes.length + " bytes, no end marker)");
    }
    Mat decoded;
    try (Mat buffer = new Mat(new BytePointer(bytes))) {
      decoded = imdecode(buffer, channels == 1 ? IMREAD_GRAYSCALE : IMREAD_COLOR);
    }
    if (decoded == null || decoded.empty() || decoded.cols() < 1 || decoded.rows() < 1) {
      throw new ImageRejectedException("undecodable " + format.label() + " data");
    }
    return new DecodedImage(decoded);
  }

  /** Scales so that the shorter side is {@code shorter} (area averaging when shrinking). */
  public static DecodedImage resizeShorterSide(DecodedImage image, int shorter) {
    int w = image.width();
    int h = image.height();
    double scale = (double) shorter / Math.min(w, h);
    int nw = Math.max(1, (int) Math.round(w * scale));
    int nh = Math.max(1, (int) Math.round(h * scale));
    Mat out = new Mat();
    resize(image.mat(), out, new Size(nw, nh), 0, 0, scale < 1 ? INTER_AREA : INTER_LINEAR);
    return new DecodedImage(out);
  }

  /** JPEG bytes at the given quality (0-100). */
  public static byte[] encodeJpeg(DecodedImage image, int quality) {
    return encode(image, ".jpg", new int[] {IMWRITE_JPEG_QUALITY, quality});
  }

  /** PNG bytes (lossless). */
  public static byte[] encodePng(DecodedImage image) {
    return encode(image, ".png", new int[0]);
  }

  /** Wraps 8-bit pixels (rows of width x channels bytes, BGR for 3 channels) as an image. */
  public static DecodedImage fromPixels(byte[] pixels, int width, int height, int channels) {
    int type =
        channels == 1
            ? org.bytedeco.opencv.global.opencv_core.CV_8UC1
            : org.bytedeco.opencv.global.opencv_core.CV_8UC3;
    Mat mat = new Mat(height, width, type);
    mat.data().put(pixels, 0, width * height * channels);
    return new DecodedImage(mat);
  }

  private static byte[] encode(DecodedImage image, String extension, int[] params) {
    try (BytePointer out = new BytePointer();
        IntPointer p = new IntPointer(params)) {
      if (!imencode(new BytePointer(extension), image.mat(), out, p)) {
        throw new IllegalStateException("OpenCV could not encode " + extension);
      }
      byte[] bytes = new byte[(int) out.limit()];
      out.get(bytes);
      return bytes;
    }
  }
}
