package org.ebvspark.data.image;

/**
 * An input that is not a usable image; the message is the reason recorded in the rejected table.
 */
public final class ImageRejectedException extends Exception {
  private static final long serialVersionUID = 1L;

  public ImageRejectedException(String reason) {
    super(reason);
  }
}
