package org.ebvspark.model.nn.fast;

import static org.bytedeco.dnnl.global.dnnl.*;

import java.util.function.IntFunction;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_pooling_v2_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.javacpp.BytePointer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Max pooling of float32 NHWC arrays of one shape, as oneDNN primitives created once: a training
 * forward pass that records where each maximum was (the workspace, kept here for the backward
 * pass), an inference forward pass, and the backward pass. DL4J's layer (through libnd4j) runs the
 * forward pass again in its backward pass to find the maxima.
 */
final class OneDnnMaxPool {
  private final OneDnnNatives natives = new OneDnnNatives().destroyWhenUnreachable(this);
  private final dnnl_primitive training;
  private final dnnl_primitive inference;
  private final dnnl_primitive backward;
  private final dnnl_memory x;
  private final dnnl_memory y;
  private final dnnl_memory dy;
  private final dnnl_memory dx;
  private final dnnl_exec_arg_t trainingArgs;
  private final dnnl_exec_arg_t inferenceArgs;
  private final dnnl_exec_arg_t backwardArgs;
  private final long[] outputShape;

  OneDnnMaxPool(Window window, int[] kernel, int[] stride) {
    long[] in = window.nchw();
    long[] out = window.output(in[1], kernel, stride, new int[] {1, 1});
    outputShape = new long[] {out[0], out[2], out[3], out[1]};
    dnnl_memory_desc_t src = OneDnn.desc(in, dnnl_nhwc);
    dnnl_memory_desc_t dst = OneDnn.desc(out, dnnl_nhwc);
    long[] strides = {stride[0], stride[1]};
    long[] kernels = {kernel[0], kernel[1]};
    long[] dilation = {0, 0};
    long[] padL = {window.before()[0], window.before()[1]};
    long[] padR = {window.after()[0], window.after()[1]};
    // The training and the inference forward pass differ only in their kind.
    IntFunction<dnnl_primitive_desc> forward =
        kind -> {
          dnnl_pooling_v2_desc_t d = new dnnl_pooling_v2_desc_t();
          OneDnn.check(
              dnnl_pooling_v2_forward_desc_init(
                  d, kind, dnnl_pooling_max, src, dst, strides, kernels, dilation, padL, padR),
              "describing a max pooling");
          return natives.pd(OneDnn.primitiveDesc(d, null, null, "max pooling"));
        };
    dnnl_primitive_desc tpd = forward.apply(dnnl_forward_training);
    dnnl_primitive_desc ipd = forward.apply(dnnl_forward_inference);
    dnnl_pooling_v2_desc_t b = new dnnl_pooling_v2_desc_t();
    OneDnn.check(
        dnnl_pooling_v2_backward_desc_init(
            b, dnnl_pooling_max, src, dst, strides, kernels, dilation, padL, padR),
        "describing a max pooling's gradient");
    dnnl_primitive_desc bpd =
        natives.pd(OneDnn.primitiveDesc(b, null, tpd, "max pooling gradient"));
    training = natives.primitive(tpd);
    inference = natives.primitive(ipd);
    backward = natives.primitive(bpd);
    x = natives.memory(src);
    y = natives.memory(dst);
    dy = natives.memory(dst);
    dx = natives.memory(src);
    // Where each maximum was, from the training forward pass to the backward pass.
    dnnl_memory_desc_t ws = OneDnn.query(tpd, dnnl_query_workspace_md);
    dnnl_memory workspace = natives.memory(ws);
    OneDnn.point(
        workspace, natives.keep(new BytePointer(Math.max(64, OneDnn.bytes(ws)))).address());
    trainingArgs =
        natives.keep(
            OneDnn.arguments(DNNL_ARG_SRC, x, DNNL_ARG_DST, y, DNNL_ARG_WORKSPACE, workspace));
    inferenceArgs = natives.keep(OneDnn.arguments(DNNL_ARG_SRC, x, DNNL_ARG_DST, y));
    backwardArgs =
        natives.keep(
            OneDnn.arguments(
                DNNL_ARG_DIFF_DST, dy, DNNL_ARG_DIFF_SRC, dx, DNNL_ARG_WORKSPACE, workspace));
  }

  /** The output's NHWC shape. */
  long[] outputShape() {
    return outputShape;
  }

  void forward(INDArray in, INDArray out, boolean training) {
    OneDnn.point(x, OneDnn.address(in));
    OneDnn.point(y, OneDnn.address(out));
    if (training) {
      OneDnn.execute(this.training, trainingArgs);
    } else {
      OneDnn.execute(inference, inferenceArgs);
    }
  }

  /** dL/dx from dL/dy, after a training forward pass. */
  void backward(INDArray outGradient, INDArray inGradient) {
    OneDnn.point(dy, OneDnn.address(outGradient));
    OneDnn.point(dx, OneDnn.address(inGradient));
    OneDnn.execute(backward, backwardArgs);
  }
}
