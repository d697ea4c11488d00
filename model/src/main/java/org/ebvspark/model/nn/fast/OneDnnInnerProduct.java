package org.ebvspark.model.nn.fast;

import static org.bytedeco.dnnl.global.dnnl.*;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_inner_product_desc_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A dense layer's y = x W + b on float32 [N, in] rows, forward and backward, as oneDNN primitives
 * created once per batch size. Every array is taken in the layout it has (W as [out, in] rows,
 * which is how DL4J's [in, out] column-major weights lie in memory), so nothing is converted; the
 * working buffer is the thread's.
 */
final class OneDnnInnerProduct {
  private final OneDnnNatives natives = new OneDnnNatives().destroyWhenUnreachable(this);
  private final dnnl_primitive forward;
  private final dnnl_primitive backwardData;
  private final dnnl_primitive backwardWeights;
  private final dnnl_memory x;
  private final dnnl_memory w;
  private final dnnl_memory b;
  private final dnnl_memory y;
  private final dnnl_memory dy;
  private final dnnl_memory dx;
  private final dnnl_memory dw;
  private final dnnl_memory db;
  private final dnnl_memory[] scratchpads = new dnnl_memory[3];
  private final long[] scratchpadBytes = new long[3];
  private final dnnl_exec_arg_t forwardArgs;
  private final dnnl_exec_arg_t dataArgs;
  private final dnnl_exec_arg_t weightsArgs;
  private final boolean bias;

  OneDnnInnerProduct(long rows, long in, long out, boolean bias) {
    this.bias = bias;
    dnnl_memory_desc_t src = OneDnn.desc(new long[] {rows, in}, dnnl_ab);
    dnnl_memory_desc_t wei = OneDnn.desc(new long[] {out, in}, dnnl_ab);
    dnnl_memory_desc_t dst = OneDnn.desc(new long[] {rows, out}, dnnl_ab);
    dnnl_memory_desc_t vec = bias ? OneDnn.desc(new long[] {out}, dnnl_x) : null;
    dnnl_primitive_attr attr = natives.attr(OneDnn.userScratchpad());
    dnnl_inner_product_desc_t f = new dnnl_inner_product_desc_t();
    OneDnn.check(
        dnnl_inner_product_forward_desc_init(f, dnnl_forward_training, src, wei, vec, dst),
        "describing a dense layer");
    dnnl_primitive_desc fpd = natives.pd(OneDnn.primitiveDesc(f, attr, null, "a dense layer"));
    dnnl_inner_product_desc_t d = new dnnl_inner_product_desc_t();
    OneDnn.check(
        dnnl_inner_product_backward_data_desc_init(d, src, wei, dst),
        "describing a dense layer's input gradient");
    dnnl_primitive_desc dpd =
        natives.pd(OneDnn.primitiveDesc(d, attr, fpd, "a dense layer's input gradient"));
    dnnl_inner_product_desc_t bw = new dnnl_inner_product_desc_t();
    OneDnn.check(
        dnnl_inner_product_backward_weights_desc_init(bw, src, wei, vec, dst),
        "describing a dense layer's weight gradient");
    dnnl_primitive_desc wpd =
        natives.pd(OneDnn.primitiveDesc(bw, attr, fpd, "a dense layer's weight gradient"));
    forward = natives.primitive(fpd);
    backwardData = natives.primitive(dpd);
    backwardWeights = natives.primitive(wpd);
    x = natives.memory(src);
    w = natives.memory(wei);
    y = natives.memory(dst);
    dy = natives.memory(dst);
    dx = natives.memory(src);
    dw = natives.memory(wei);
    b = bias ? natives.memory(vec) : null;
    db = bias ? natives.memory(vec) : null;
    dnnl_primitive_desc[] pds = {fpd, dpd, wpd};
    for (int i = 0; i < 3; i++) {
      dnnl_memory_desc_t s = OneDnn.query(pds[i], dnnl_query_scratchpad_md);
      scratchpadBytes[i] = OneDnn.bytes(s);
      scratchpads[i] = natives.memory(s);
    }
    List<Object> fa = new ArrayList<>(List.of(DNNL_ARG_SRC, x, DNNL_ARG_WEIGHTS, w));
    if (bias) {
      fa.addAll(List.of(DNNL_ARG_BIAS, b));
    }
    fa.addAll(List.of(DNNL_ARG_DST, y, DNNL_ARG_SCRATCHPAD, scratchpads[0]));
    forwardArgs = natives.keep(OneDnn.arguments(fa.toArray()));
    dataArgs =
        natives.keep(
            OneDnn.arguments(
                DNNL_ARG_DIFF_DST,
                dy,
                DNNL_ARG_WEIGHTS,
                w,
                DNNL_ARG_DIFF_SRC,
                dx,
                DNNL_ARG_SCRATCHPAD,
                scratchpads[1]));
    List<Object> wa =
        new ArrayList<>(List.of(DNNL_ARG_SRC, x, DNNL_ARG_DIFF_DST, dy, DNNL_ARG_DIFF_WEIGHTS, dw));
    if (bias) {
      wa.addAll(List.of(DNNL_ARG_DIFF_BIAS, db));
    }
    wa.addAll(List.of(DNNL_ARG_SCRATCHPAD, scratchpads[2]));
    weightsArgs = natives.keep(OneDnn.arguments(wa.toArray()));
  }

  /** y = x W + b; W given as its [out, in] row-major view, bias null without bias. */
  void forward(INDArray in, INDArray weightsOutIn, INDArray biasVector, INDArray out) {
    OneDnn.point(x, OneDnn.address(in));
    OneDnn.point(w, OneDnn.address(weightsOutIn));
    if (bias) {
      OneDnn.point(b, OneDnn.address(biasVector));
    }
    OneDnn.point(y, OneDnn.address(out));
    scratchpad(0);
    OneDnn.execute(forward, forwardArgs);
  }

  /** dL/dx, dL/dW (as its [out, in] view) and dL/db from dL/dy. */
  void backward(
      INDArray in,
      INDArray weightsOutIn,
      INDArray outGradient,
      INDArray inGradient,
      INDArray weightsGradientOutIn,
      INDArray biasGradient) {
    OneDnn.point(x, OneDnn.address(in));
    OneDnn.point(w, OneDnn.address(weightsOutIn));
    OneDnn.point(dy, OneDnn.address(outGradient));
    OneDnn.point(dx, OneDnn.address(inGradient));
    scratchpad(1);
    OneDnn.execute(backwardData, dataArgs);
    OneDnn.point(dw, OneDnn.address(weightsGradientOutIn));
    if (bias) {
      OneDnn.point(db, OneDnn.address(biasGradient));
    }
    scratchpad(2);
    OneDnn.execute(backwardWeights, weightsArgs);
  }

  private void scratchpad(int which) {
    OneDnn.point(
        scratchpads[which],
        OneDnn.Buffers.ofThread()
            .get(OneDnn.Buffers.SCRATCHPAD, Math.max(64, scratchpadBytes[which])));
  }
}
