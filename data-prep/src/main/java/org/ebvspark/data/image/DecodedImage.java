package org.ebvspark.data.image;

import org.bytedeco.opencv.opencv_core.Mat;

/**
 * A decoded image: 8-bit, 1 channel (gray) or 3 channels in OpenCV's BGR order, in native memory.
 * Close it when done (it owns the pixels).
 */
public final class DecodedImage implements AutoCloseable {
  private final Mat mat;

  DecodedImage(Mat mat) {
    this.mat = mat;
  }

  public int width() {
    return mat.cols();
  }

  public int height() {
    return mat.rows();
  }

  public int channels() {
    return mat.channels();
  }

  Mat mat() {
    return mat;
  }

  @Override
  public void close() {
    mat.close();
  }
}
