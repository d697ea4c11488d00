package org.ebvspark.model.nn.fast;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Where a convolution's or pooling's window goes over an image, as oneDNN wants it: the input's
 * dimensions as [N, C, H, W] whatever its layout, and the padding before and after in each spatial
 * dimension. DL4J's Same mode pads like TensorFlow (the odd cell after); Truncate pads both sides
 * as configured and drops what does not fit, which oneDNN's floor division does too.
 */
record Window(long[] nchw, int[] before, int[] after) {

  static Window of(
      INDArray in,
      CNN2DFormat format,
      ConvolutionMode mode,
      int[] kernel,
      int[] stride,
      int[] padding,
      int[] dilation) {
    long[] nchw =
        format == CNN2DFormat.NHWC
            ? new long[] {in.size(0), in.size(3), in.size(1), in.size(2)}
            : in.shape().clone();
    if (mode != ConvolutionMode.Same) {
      return new Window(nchw, padding, padding);
    }
    int[] inSize = {(int) nchw[2], (int) nchw[3]};
    int[] out = ConvolutionUtils.getOutputSize(in, kernel, stride, null, mode, dilation, format);
    int[] before =
        ConvolutionUtils.getSameModeTopLeftPadding(out, inSize, kernel, stride, dilation);
    int[] after = new int[2];
    for (int i = 0; i < 2; i++) {
      int extent = (kernel[i] - 1) * dilation[i] + 1;
      after[i] = Math.max(0, (out[i] - 1) * stride[i] + extent - inSize[i] - before[i]);
    }
    return new Window(nchw, before, after);
  }

  /** The output's [N, C, H, W] for a window of this kernel, stride and dilation. */
  long[] output(long channels, int[] kernel, int[] stride, int[] dilation) {
    long[] out = {nchw[0], channels, 0, 0};
    for (int i = 0; i < 2; i++) {
      long extent = (long) (kernel[i] - 1) * dilation[i] + 1;
      out[2 + i] = (nchw[2 + i] + before[i] + after[i] - extent) / stride[i] + 1;
    }
    return out;
  }
}
