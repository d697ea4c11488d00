package org.ebvspark.data.table;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import org.apache.hadoop.conf.Configuration;
import org.ebvspark.model.io.Locations;

/**
 * An input's bytes as read (or generated), or why they could not be read.
 *
 * @param source the input
 * @param bytes the encoded image, or null
 * @param problem why there are no bytes (unreadable file, bad label), or null
 */
public record EncodedImage(ImageSource source, byte[] bytes, String problem)
    implements Serializable {

  /** Reads a source's file; a failure becomes the problem, not an exception. */
  public static EncodedImage read(ImageSource source, Configuration conf) {
    if (source.rejected() != null) {
      return new EncodedImage(source, null, source.rejected());
    }
    try (InputStream in = Locations.open(source.path(), conf)) {
      return new EncodedImage(source, in.readAllBytes(), null);
    } catch (IOException | RuntimeException e) {
      String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      return new EncodedImage(
          source, null, "unreadable: " + message.lines().findFirst().orElse(""));
    }
  }

  public static EncodedImage of(ImageSource source, byte[] bytes) {
    return new EncodedImage(source, bytes, null);
  }
}
