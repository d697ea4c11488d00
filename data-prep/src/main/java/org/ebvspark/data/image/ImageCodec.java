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
  /**
   * Images declaring more pixels than this are rejected before decoding (a 20000 x 20000 PNG would
   * take 1.2 GB decoded, per task): PIL's default limit (its MAX_IMAGE_PIXELS). Set the system
   * property {@value #MAX_PIXELS_PROPERTY} (driver and executors) to change it.
   */
  public static final long DEFAULT_MAX_PIXELS = 89_478_485L;

  public static final String MAX_PIXELS_PROPERTY = "ebv.image.maxPixels";

  private ImageCodec() {}

  static long maxPixels() {
    return Long.getLong(MAX_PIXELS_PROPERTY, DEFAULT_MAX_PIXELS);
  }

  /**
   * The width and height an image's header declares (PNG: IHDR; JPEG: the first start-of-frame), or
   * null when the header does not say.
   */
  static int[] declaredSize(byte[] b, ImageFormat format) {
    if (format == ImageFormat.PNG) {
      return b.length >= 24 ? new int[] {int32(b, 16), int32(b, 20)} : null;
    }
    int i = 2;
    while (i + 9 < b.length) {
      if ((b[i] & 0xff) != 0xff) {
        return null;
      }
      int marker = b[i + 1] & 0xff;
      if (marker == 0xff) {
        i++;
        continue;
      }
      int length = ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
      boolean frame =
          marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
      if (frame) {
        int height = ((b[i + 5] & 0xff) << 8) | (b[i + 6] & 0xff);
        int width = ((b[i + 7] & 0xff) << 8) | (b[i + 8] & 0xff);
        return new int[] {width, height};
      }
      i += 2 + length;
    }
    return null;
  }

  private static int int32(byte[] b, int at) {
    return ((b[at] & 0xff) << 24)
        | ((b[at + 1] & 0xff) << 16)
        | ((b[at + 2] & 0xff) << 8)
        | (b[at + 3] & 0xff);
  }

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
    int[] size = declaredSize(bytes, format);
    if (size != null && (long) size[0] * size[1] > maxPixels()) {
      throw new ImageRejectedException(
          String.format(
              java.util.Locale.ROOT,
              "%s declares %d x %d pixels, over the limit of %d (-D%s raises it)",
              format.label(),
              size[0],
              size[1],
              maxPixels(),
              MAX_PIXELS_PROPERTY));
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
