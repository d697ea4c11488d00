package org.ebvspark.data.table;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.ebvspark.data.image.DecodedImage;
import org.ebvspark.data.image.ImageCodec;
import org.ebvspark.data.image.ImageFormat;
import org.ebvspark.data.image.ImageRejectedException;

/**
 * Turns an input into a table row, on an executor: the bytes are decoded in full (a file that does
 * not decode is rejected with the reason, never dropped), and optionally re-encoded with the
 * shorter side at {@code resize}. The result has the split table's columns plus {@code reason},
 * null for a good row.
 */
public final class ImageRows {
  private ImageRows() {}

  /** The split table's columns plus a nullable {@code reason}. */
  public static StructType withReason() {
    return ImageTable.schema().add(ImageTable.REASON, DataTypes.StringType, true);
  }

  /**
   * @param resize shorter side to resize to, or 0 to keep the bytes as they are
   * @param quality JPEG quality when re-encoding
   */
  public static Row toRow(EncodedImage input, int resize, int quality) {
    ImageSource s = input.source();
    if (input.problem() != null) {
      return rejected(s, input.problem());
    }
    byte[] bytes = input.bytes();
    try (DecodedImage image = ImageCodec.decode(bytes, 3)) {
      ImageFormat format = ImageFormat.sniff(bytes);
      if (resize > 0 && Math.min(image.width(), image.height()) > resize) {
        try (DecodedImage smaller = ImageCodec.resizeShorterSide(image, resize)) {
          return good(s, ImageCodec.encodeJpeg(smaller, quality), "jpeg", smaller);
        }
      }
      return good(s, bytes, format.label(), image);
    } catch (ImageRejectedException e) {
      return rejected(s, e.getMessage());
    } catch (RuntimeException e) {
      return rejected(s, "undecodable: " + e.getClass().getSimpleName());
    }
  }

  private static Row good(ImageSource s, byte[] bytes, String format, DecodedImage image) {
    return RowFactory.create(
        bytes,
        s.label(),
        s.classId(),
        s.path(),
        s.split(),
        format,
        image.width(),
        image.height(),
        null);
  }

  private static Row rejected(ImageSource s, String reason) {
    return RowFactory.create(
        new byte[0],
        -1,
        s.classId() == null ? "" : s.classId(),
        s.path(),
        s.split(),
        "",
        0,
        0,
        reason);
  }
}
