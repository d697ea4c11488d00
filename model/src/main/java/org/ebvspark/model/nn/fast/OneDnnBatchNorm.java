package org.ebvspark.model.nn.fast;

import static org.bytedeco.dnnl.global.dnnl.*;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.dnnl.dnnl_batch_normalization_desc_t;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc_t;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Batch normalization, optionally fused with the ReLU after it, of float32 NHWC arrays of one
 * shape, as oneDNN primitives created once: training forward (batch statistics), inference forward
 * (running statistics) and backward. In this layout oneDNN's AVX-512 kernels normalize and
 * backpropagate several times faster than the Java kernels do NCHW planes (bench/README.md). A
 * training forward leaves the batch mean, variance and ReLU mask here for the backward pass.
 */
final class OneDnnBatchNorm {
  private final int channels;
  private final OneDnnNatives resources = new OneDnnNatives().destroyWhenUnreachable(this);
  private final FloatPointer mean;
  private final FloatPointer variance;
  private final dnnl_primitive training;
  private final dnnl_primitive inference;
  private final dnnl_primitive backward;
  private final dnnl_memory x;
  private final dnnl_memory y;
  private final dnnl_memory dy;
  private final dnnl_memory dx;
  private final dnnl_memory meanMemory;
  private final dnnl_memory varianceMemory;
  private final dnnl_memory scale;
  private final dnnl_memory shift;
  private final dnnl_memory diffScale;
  private final dnnl_memory diffShift;
  private final dnnl_exec_arg_t trainingArgs;
  private final dnnl_exec_arg_t inferenceArgs;
  private final dnnl_exec_arg_t backwardArgs;

  /** For an NHWC array of {@code shape}; eps as the layer has it. */
  OneDnnBatchNorm(long[] shape, double eps, boolean relu) {
    this.channels = (int) shape[3];
    long[] dims = {shape[0], shape[3], shape[1], shape[2]};
    dnnl_memory_desc_t data = OneDnn.desc(dims, dnnl_nhwc);
    dnnl_memory_desc_t vector = OneDnn.desc(new long[] {channels}, dnnl_x);
    int flags = dnnl_use_scale | dnnl_use_shift | (relu ? dnnl_fuse_norm_relu : 0);

    dnnl_batch_normalization_desc_t t = new dnnl_batch_normalization_desc_t();
    OneDnn.check(
        dnnl_batch_normalization_forward_desc_init(
            t, dnnl_forward_training, data, (float) eps, flags),
        "describing a batch normalization");
    dnnl_primitive_desc tpd = resources.pd(OneDnn.primitiveDesc(t, null, null, "batch norm"));
    dnnl_batch_normalization_desc_t i = new dnnl_batch_normalization_desc_t();
    OneDnn.check(
        dnnl_batch_normalization_forward_desc_init(
            i, dnnl_forward_inference, data, (float) eps, flags | dnnl_use_global_stats),
        "describing a batch normalization for inference");
    dnnl_primitive_desc ipd =
        resources.pd(OneDnn.primitiveDesc(i, null, null, "batch norm inference"));
    dnnl_batch_normalization_desc_t b = new dnnl_batch_normalization_desc_t();
    OneDnn.check(
        dnnl_batch_normalization_backward_desc_init(
            b, dnnl_backward, data, data, (float) eps, flags),
        "describing a batch normalization's gradient");
    dnnl_primitive_desc bpd =
        resources.pd(OneDnn.primitiveDesc(b, null, tpd, "batch norm gradient"));
    training = resources.primitive(tpd);
    inference = resources.primitive(ipd);
    backward = resources.primitive(bpd);

    mean = resources.keep(new FloatPointer(channels));
    variance = resources.keep(new FloatPointer(channels));
    x = resources.memory(data);
    y = resources.memory(data);
    dy = resources.memory(data);
    dx = resources.memory(data);
    meanMemory = resources.memory(vector);
    varianceMemory = resources.memory(vector);
    OneDnn.point(meanMemory, mean.address());
    OneDnn.point(varianceMemory, variance.address());
    scale = resources.memory(vector);
    shift = resources.memory(vector);
    diffScale = resources.memory(vector);
    diffShift = resources.memory(vector);

    // What every pass reads; the forward passes add their output, the backward pass its
    // gradients.
    List<Object> common =
        List.of(
            DNNL_ARG_SRC,
            x,
            DNNL_ARG_MEAN,
            meanMemory,
            DNNL_ARG_VARIANCE,
            varianceMemory,
            DNNL_ARG_SCALE,
            scale,
            DNNL_ARG_SHIFT,
            shift);
    List<Object> ia = new ArrayList<>(common);
    ia.addAll(List.of(DNNL_ARG_DST, y));
    List<Object> ta = new ArrayList<>(ia);
    List<Object> ba = new ArrayList<>(common);
    ba.addAll(
        List.of(
            DNNL_ARG_DIFF_DST,
            dy,
            DNNL_ARG_DIFF_SRC,
            dx,
            DNNL_ARG_DIFF_SCALE,
            diffScale,
            DNNL_ARG_DIFF_SHIFT,
            diffShift));
    if (relu) {
      // The ReLU's mask, written by the training forward and read by the backward pass.
      dnnl_memory_desc_t ws = OneDnn.query(tpd, dnnl_query_workspace_md);
      dnnl_memory workspace = resources.memory(ws);
      OneDnn.point(
          workspace, resources.keep(new FloatPointer(OneDnn.bytes(ws) / 4 + 16)).address());
      ta.addAll(List.of(DNNL_ARG_WORKSPACE, workspace));
      ba.addAll(List.of(DNNL_ARG_WORKSPACE, workspace));
    }
    trainingArgs = resources.keep(OneDnn.arguments(ta.toArray()));
    backwardArgs = resources.keep(OneDnn.arguments(ba.toArray()));
    inferenceArgs = resources.keep(OneDnn.arguments(ia.toArray()));
  }

  /**
   * out = BN(in) with the batch's statistics, which are written to {@code batchMean} and {@code
   * batchVariance} (biased) and kept for {@link #backward}.
   */
  void train(
      INDArray in,
      INDArray gamma,
      INDArray beta,
      INDArray out,
      double[] batchMean,
      double[] batchVariance) {
    bind(in, gamma, beta);
    OneDnn.point(y, OneDnn.address(out));
    OneDnn.execute(training, trainingArgs);
    for (int c = 0; c < channels; c++) {
      batchMean[c] = mean.get(c);
      batchVariance[c] = variance.get(c);
    }
  }

  /** out = BN(in) with the given (running) statistics. */
  void infer(
      INDArray in,
      INDArray gamma,
      INDArray beta,
      double[] runningMean,
      double[] runningVariance,
      INDArray out) {
    for (int c = 0; c < channels; c++) {
      mean.put(c, (float) runningMean[c]);
      variance.put(c, (float) runningVariance[c]);
    }
    bind(in, gamma, beta);
    OneDnn.point(y, OneDnn.address(out));
    OneDnn.execute(inference, inferenceArgs);
  }

  /** dL/dx into dIn and dL/dgamma, dL/dbeta into their gradient views, after {@link #train}. */
  void backward(
      INDArray in,
      INDArray gamma,
      INDArray beta,
      INDArray dOut,
      INDArray dIn,
      INDArray dGamma,
      INDArray dBeta) {
    bind(in, gamma, beta);
    OneDnn.point(dy, OneDnn.address(dOut));
    OneDnn.point(dx, OneDnn.address(dIn));
    OneDnn.point(diffScale, OneDnn.address(dGamma));
    OneDnn.point(diffShift, OneDnn.address(dBeta));
    OneDnn.execute(backward, backwardArgs);
  }

  private void bind(INDArray in, INDArray gamma, INDArray beta) {
    OneDnn.point(x, OneDnn.address(in));
    OneDnn.point(scale, OneDnn.address(gamma));
    OneDnn.point(shift, OneDnn.address(beta));
  }
}
