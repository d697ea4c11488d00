package org.ebvspark.data.image;

import java.util.HexFormat;

/** The encodings the image table accepts, recognized by their signature, not their file name. */
public enum ImageFormat {
  JPEG,
  PNG;

  /** The format whose signature {@code bytes} start with, or null. */
  public static ImageFormat sniff(byte[] bytes) {
    if (bytes.length >= 3
        && (bytes[0] & 0xFF) == 0xFF
        && (bytes[1] & 0xFF) == 0xD8
        && (bytes[2] & 0xFF) == 0xFF) {
      return JPEG;
    }
    if (bytes.length >= 8
        && (bytes[0] & 0xFF) == 0x89
        && bytes[1] == 'P'
        && bytes[2] == 'N'
        && bytes[3] == 'G'
        && bytes[4] == '\r'
        && bytes[5] == '\n') {
      return PNG;
    }
    return null;
  }

  /** Whether the data ends the way a complete file of this format ends. */
  public boolean looksComplete(byte[] bytes) {
    int end = bytes.length;
    if (this == JPEG) {
      // The end-of-image marker, possibly followed by padding that some writers add.
      while (end > 2 && bytes[end - 1] == 0) {
        end--;
      }
      return end >= 2 && (bytes[end - 2] & 0xFF) == 0xFF && (bytes[end - 1] & 0xFF) == 0xD9;
    }
    // PNG: the IEND chunk (length 0, type IEND, CRC) closes the file.
    return end >= 12
        && bytes[end - 8] == 'I'
        && bytes[end - 7] == 'E'
        && bytes[end - 6] == 'N'
        && bytes[end - 5] == 'D';
  }

  /** The first bytes, for a rejection reason. */
  static String head(byte[] bytes) {
    int n = Math.min(4, bytes.length);
    return HexFormat.ofDelimiter(" ").formatHex(bytes, 0, n);
  }

  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
