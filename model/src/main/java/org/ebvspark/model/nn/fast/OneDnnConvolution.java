package org.ebvspark.model.nn.fast;

import static org.bytedeco.dnnl.global.dnnl.*;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.dnnl.dnnl_convolution_desc_t;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One float32 2-D convolution on NHWC or NCHW arrays of one shape, forward and backward, as oneDNN
 * primitives created once. NHWC arrays go in and out as they are; for NCHW ones oneDNN picks its
 * own layouts (blocked for these kernels) and the arrays are converted around each call, with
 * conversions also created once. The working buffers are the thread's ({@link OneDnn.Buffers}). The
 * input gradient uses the direct algorithm: Winograd's, which oneDNN's automatic choice takes for
 * some shapes, needs a 42 MB working buffer at resnet32's first stage and was not faster there
 * (bench/README.md).
 */
final class OneDnnConvolution {
  /**
   * Where and how one convolution is applied: the input's dimensions as [N, C, H, W] whatever its
   * layout, paddings before and after, dilation 1 = none; channels last means NHWC arrays.
   */
  record Geometry(
      long[] input,
      long outChannels,
      int[] kernel,
      int[] stride,
      int[] padBefore,
      int[] padAfter,
      int[] dilation,
      boolean bias,
      boolean channelsLast) {

    /** The output's shape as its array has it (NCHW or NHWC). */
    long[] outputShape() {
      long[] o = output();
      return channelsLast ? new long[] {o[0], o[2], o[3], o[1]} : o;
    }

    long[] output() {
      return new Window(input, padBefore, padAfter).output(outChannels, kernel, stride, dilation);
    }

    long[] weights() {
      return new long[] {outChannels, input[1], kernel[0], kernel[1]};
    }
  }

  private final Geometry geometry;
  private final OneDnnNatives natives = new OneDnnNatives().destroyWhenUnreachable(this);

  private final dnnl_primitive forward;
  private final dnnl_primitive backwardData;
  private final dnnl_primitive backwardWeights;
  private final Operand forwardInput;
  private final Operand forwardWeights;
  private final Operand forwardOutput;
  private final Operand dataOutputGradient;
  private final Operand dataWeights;
  private final Operand dataInputGradient;
  private final Operand weightsInput;
  private final Operand weightsOutputGradient;
  private final Operand weightsGradient;
  private final dnnl_memory bias;
  private final dnnl_memory biasGradient;
  private final dnnl_memory[] scratchpads = new dnnl_memory[3];
  private final long[] scratchpadBytes = new long[3];
  private final dnnl_exec_arg_t forwardArgs;
  private final dnnl_exec_arg_t dataArgs;
  private final dnnl_exec_arg_t weightsArgs;
  private final String implementations;

  /** A 1x1 window with stride on channels-last arrays: its weight gradient is a matrix product. */
  private final boolean pointwiseStrided;

  OneDnnConvolution(Geometry g) {
    this.geometry = g;
    this.pointwiseStrided =
        g.channelsLast()
            && g.kernel()[0] == 1
            && g.kernel()[1] == 1
            && (g.stride()[0] > 1 || g.stride()[1] > 1);
    long[] in = g.input();
    long[] out = g.output();
    long[] w = g.weights();
    long[] strides = {g.stride()[0], g.stride()[1]};
    long[] dilates = {g.dilation()[0] - 1L, g.dilation()[1] - 1L};
    long[] padL = {g.padBefore()[0], g.padBefore()[1]};
    long[] padR = {g.padAfter()[0], g.padAfter()[1]};
    // NHWC arrays are taken as they are (oneDNN's AVX-512 kernels read and write that layout);
    // for NCHW ones oneDNN picks its blocked layout and the arrays are converted around each call.
    int activations = g.channelsLast() ? dnnl_nhwc : dnnl_format_tag_any;
    dnnl_memory_desc_t src = OneDnn.desc(in, activations);
    dnnl_memory_desc_t dst = OneDnn.desc(out, activations);
    dnnl_memory_desc_t wei = OneDnn.desc(w, dnnl_format_tag_any);
    dnnl_memory_desc_t b = g.bias() ? OneDnn.desc(new long[] {out[1]}, dnnl_x) : null;
    dnnl_primitive_attr attr = natives.attr(OneDnn.userScratchpad());

    dnnl_convolution_desc_t f = new dnnl_convolution_desc_t();
    OneDnn.check(
        dnnl_dilated_convolution_forward_desc_init(
            f,
            dnnl_forward_training,
            dnnl_convolution_direct,
            src,
            wei,
            b,
            dst,
            strides,
            dilates,
            padL,
            padR),
        "describing a convolution");
    dnnl_primitive_desc fpd = natives.pd(OneDnn.primitiveDesc(f, attr, null, "a convolution"));
    dnnl_convolution_desc_t d = new dnnl_convolution_desc_t();
    OneDnn.check(
        dnnl_dilated_convolution_backward_data_desc_init(
            d, dnnl_convolution_direct, src, wei, dst, strides, dilates, padL, padR),
        "describing an input gradient");
    dnnl_primitive_desc dpd =
        natives.pd(OneDnn.primitiveDesc(d, attr, fpd, "a convolution's input gradient"));
    dnnl_convolution_desc_t bw = new dnnl_convolution_desc_t();
    OneDnn.check(
        dnnl_dilated_convolution_backward_weights_desc_init(
            bw, dnnl_convolution_direct, src, wei, b, dst, strides, dilates, padL, padR),
        "describing a weight gradient");
    dnnl_primitive_desc wpd =
        natives.pd(OneDnn.primitiveDesc(bw, attr, fpd, "a convolution's weight gradient"));
    forward = natives.primitive(fpd);
    backwardData = natives.primitive(dpd);
    backwardWeights = natives.primitive(wpd);
    implementations =
        OneDnn.implementation(fpd)
            + ", "
            + OneDnn.implementation(dpd)
            + ", "
            + OneDnn.implementation(wpd);

    int layout = g.channelsLast() ? dnnl_nhwc : dnnl_nchw;
    dnnl_memory_desc_t userIn = OneDnn.desc(in, layout);
    dnnl_memory_desc_t userOut = OneDnn.desc(out, layout);
    dnnl_memory_desc_t userW = OneDnn.desc(w, dnnl_oihw);
    int source = OneDnn.Buffers.SOURCE;
    int weights = OneDnn.Buffers.WEIGHTS;
    int destination = OneDnn.Buffers.DESTINATION;
    int gradient = OneDnn.Buffers.OUTPUT_GRADIENT;
    forwardInput = new Operand(userIn, OneDnn.query(fpd, dnnl_query_src_md), source, true);
    forwardWeights = new Operand(userW, OneDnn.query(fpd, dnnl_query_weights_md), weights, true);
    forwardOutput = new Operand(userOut, OneDnn.query(fpd, dnnl_query_dst_md), destination, false);
    dataOutputGradient =
        new Operand(userOut, OneDnn.query(dpd, dnnl_query_diff_dst_md), gradient, true);
    dataWeights = new Operand(userW, OneDnn.query(dpd, dnnl_query_weights_md), weights, true);
    dataInputGradient =
        new Operand(userIn, OneDnn.query(dpd, dnnl_query_diff_src_md), destination, false);
    weightsInput = new Operand(userIn, OneDnn.query(wpd, dnnl_query_src_md), source, true);
    weightsOutputGradient =
        new Operand(userOut, OneDnn.query(wpd, dnnl_query_diff_dst_md), gradient, true);
    weightsGradient =
        new Operand(userW, OneDnn.query(wpd, dnnl_query_diff_weights_md), destination, false);
    bias = g.bias() ? natives.memory(b) : null;
    biasGradient = g.bias() ? natives.memory(b) : null;
    dnnl_primitive_desc[] pds = {fpd, dpd, wpd};
    for (int i = 0; i < 3; i++) {
      dnnl_memory_desc_t s = OneDnn.query(pds[i], dnnl_query_scratchpad_md);
      scratchpadBytes[i] = OneDnn.bytes(s);
      scratchpads[i] = natives.memory(s);
    }
    List<Object> fa = new ArrayList<>();
    fa.addAll(List.of(DNNL_ARG_SRC, forwardInput.primitiveSide));
    fa.addAll(List.of(DNNL_ARG_WEIGHTS, forwardWeights.primitiveSide));
    if (bias != null) {
      fa.addAll(List.of(DNNL_ARG_BIAS, bias));
    }
    fa.addAll(List.of(DNNL_ARG_DST, forwardOutput.primitiveSide));
    fa.addAll(List.of(DNNL_ARG_SCRATCHPAD, scratchpads[0]));
    forwardArgs = natives.keep(OneDnn.arguments(fa.toArray()));
    dataArgs =
        natives.keep(
            OneDnn.arguments(
                DNNL_ARG_DIFF_DST, dataOutputGradient.primitiveSide,
                DNNL_ARG_WEIGHTS, dataWeights.primitiveSide,
                DNNL_ARG_DIFF_SRC, dataInputGradient.primitiveSide,
                DNNL_ARG_SCRATCHPAD, scratchpads[1]));
    List<Object> wa = new ArrayList<>();
    wa.addAll(List.of(DNNL_ARG_SRC, weightsInput.primitiveSide));
    wa.addAll(List.of(DNNL_ARG_DIFF_DST, weightsOutputGradient.primitiveSide));
    wa.addAll(List.of(DNNL_ARG_DIFF_WEIGHTS, weightsGradient.primitiveSide));
    if (biasGradient != null) {
      wa.addAll(List.of(DNNL_ARG_DIFF_BIAS, biasGradient));
    }
    wa.addAll(List.of(DNNL_ARG_SCRATCHPAD, scratchpads[2]));
    weightsArgs = natives.keep(OneDnn.arguments(wa.toArray()));
  }

  Geometry geometry() {
    return geometry;
  }

  /** The implementations oneDNN chose: forward, input gradient, weight gradient. */
  String implementations() {
    return implementations;
  }

  /**
   * y = conv(x, w) + b; every array float32 and dense, x and y in the geometry's layout, weights
   * OIHW; b null without bias.
   */
  void forward(INDArray x, INDArray w, INDArray b, INDArray y) {
    OneDnn.Buffers buffers = OneDnn.Buffers.ofThread();
    forwardInput.bind(x, buffers).convert();
    forwardWeights.bind(w, buffers).convert();
    forwardOutput.bind(y, buffers);
    if (bias != null) {
      OneDnn.point(bias, OneDnn.address(b));
    }
    scratchpad(0, buffers);
    OneDnn.execute(forward, forwardArgs);
    forwardOutput.convert();
  }

  /**
   * The gradients of a loss with respect to x, w and b from its gradient dy with respect to y; dx
   * null skips the input gradient, db is null without bias.
   */
  void backward(INDArray x, INDArray w, INDArray dy, INDArray dx, INDArray dw, INDArray db) {
    OneDnn.Buffers buffers = OneDnn.Buffers.ofThread();
    boolean converted = false;
    if (dx != null) {
      dataOutputGradient.bind(dy, buffers).convert();
      dataWeights.bind(w, buffers).convert();
      dataInputGradient.bind(dx, buffers);
      scratchpad(1, buffers);
      OneDnn.execute(backwardData, dataArgs);
      dataInputGradient.convert();
      converted = true;
    }
    if (pointwiseStrided) {
      pointwiseWeightGradient(x, dy, dw, db);
      return;
    }
    weightsInput.bind(x, buffers).convert();
    weightsOutputGradient.bind(dy, buffers);
    if (!(converted
        && OneDnn.same(weightsOutputGradient.primitive, dataOutputGradient.primitive))) {
      weightsOutputGradient.convert(); // else the buffer already holds dy in this layout
    }
    weightsGradient.bind(dw, buffers);
    if (biasGradient != null) {
      OneDnn.point(biasGradient, OneDnn.address(db));
    }
    scratchpad(2, buffers);
    OneDnn.execute(backwardWeights, weightsArgs);
    weightsGradient.convert();
  }

  /**
   * The weight gradient of a 1x1 convolution with stride, channels last, as one matrix product:
   * dW[o][i] = sum over (n, h, w) of dy[n,h,w,o] x[n, s h, s w, i] (a 1x1 window never pads).
   * oneDNN 2.5.2's own primitive for it returned a wrong gradient on an AVX2 processor without
   * AVX-512 (OneDnnLayersTest, "1, 2, Same" in NHWC: max error 17.7 of 18.9), where the AVX-512
   * machines before it had computed it right.
   */
  private void pointwiseWeightGradient(INDArray x, INDArray dy, INDArray dw, INDArray db) {
    long[] out = geometry.outputShape();
    int sh = geometry.stride()[0];
    int sw = geometry.stride()[1];
    INDArray sampled =
        x.get(
                NDArrayIndex.all(),
                NDArrayIndex.interval(0, sh, (out[1] - 1) * sh + 1),
                NDArrayIndex.interval(0, sw, (out[2] - 1) * sw + 1),
                NDArrayIndex.all())
            .dup('c')
            .reshape(out[0] * out[1] * out[2], x.size(3));
    INDArray gradient = dy.reshape('c', out[0] * out[1] * out[2], out[3]);
    dw.assign(gradient.transpose().mmul(sampled).reshape(dw.shape()));
    if (db != null) {
      db.assign(gradient.sum(0).reshape(db.shape()));
    }
  }

  private void scratchpad(int which, OneDnn.Buffers buffers) {
    OneDnn.point(
        scratchpads[which],
        buffers.get(OneDnn.Buffers.SCRATCHPAD, Math.max(64, scratchpadBytes[which])));
  }

  /**
   * One array as a primitive sees it: in the caller's layout, and in the primitive's, with the
   * conversion between them when they differ (the primitive's side then lives in a thread buffer).
   */
  private final class Operand {
    final dnnl_memory_desc_t primitive;
    final dnnl_memory userSide;
    final dnnl_memory primitiveSide;
    final boolean converts;
    final int role;
    final long bytes;
    final dnnl_primitive conversion;
    final dnnl_exec_arg_t conversionArgs;

    Operand(dnnl_memory_desc_t user, dnnl_memory_desc_t primitive, int role, boolean input) {
      // The query result points into the primitive descriptor; keep a copy of our own.
      this.primitive = new dnnl_memory_desc_t();
      Pointer.memcpy(this.primitive, primitive, this.primitive.sizeof());
      this.converts = !OneDnn.same(user, primitive);
      this.role = role;
      this.bytes = OneDnn.bytes(primitive);
      this.userSide = natives.memory(user);
      this.primitiveSide = converts ? natives.memory(this.primitive) : userSide;
      if (converts) {
        dnnl_primitive_desc pd =
            natives.pd(
                input
                    ? OneDnn.reorderDesc(user, this.primitive)
                    : OneDnn.reorderDesc(this.primitive, user));
        conversion = natives.primitive(pd);
        conversionArgs =
            natives.keep(
                OneDnn.arguments(
                    DNNL_ARG_FROM, input ? userSide : primitiveSide,
                    DNNL_ARG_TO, input ? primitiveSide : userSide));
      } else {
        conversion = null;
        conversionArgs = null;
      }
    }

    Operand bind(INDArray a, OneDnn.Buffers buffers) {
      long address = OneDnn.address(a);
      OneDnn.point(userSide, address);
      if (converts) {
        OneDnn.point(primitiveSide, buffers.get(role, bytes));
      }
      return this;
    }

    /** Converts between the two sides, in the direction the operand was built for. */
    void convert() {
      if (converts) {
        OneDnn.execute(conversion, conversionArgs);
      }
    }
  }
}
