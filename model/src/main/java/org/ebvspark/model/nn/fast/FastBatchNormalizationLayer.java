package org.ebvspark.model.nn.fast;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Batch normalization (and the fused ReLU) on the CPU backend with oneDNN's primitives for float32
 * NHWC images ({@link OneDnnBatchNorm}) and {@link BatchNorm}'s kernels for NCHW images and [N, C]
 * matrices, and DL4J's own implementation elsewhere (CUDA, NHWC in double precision, locked gamma
 * and beta, rank-3 input), with the ReLU applied around it. The running statistics are updated
 * exactly as DL4J does it: through the "gradient" of the mean and log10-std parameters, which their
 * no-op updater subtracts as is.
 */
public class FastBatchNormalizationLayer extends BatchNormalization {
  private static final long serialVersionUID = 1L;
  private static final String GAMMA = BatchNormalizationParamInitializer.GAMMA;
  private static final String BETA = BatchNormalizationParamInitializer.BETA;
  private static final String MEAN = BatchNormalizationParamInitializer.GLOBAL_MEAN;
  private static final String VAR = BatchNormalizationParamInitializer.GLOBAL_VAR;
  private static final String LOG_STD = BatchNormalizationParamInitializer.GLOBAL_LOG_STD;

  /** The last training forward pass's batch statistics, for the backward pass. */
  private double[] batchMean;

  private double[] batchVar;
  private boolean kernelForward;

  /** The fallback's ReLU output, whose mask the fallback's backward pass applies. */
  private INDArray fallbackOutput;

  /** oneDNN's primitives for the NHWC input shapes seen last. */
  private final transient PrimitiveSets<OneDnnBatchNorm> primitives = new PrimitiveSets<>();

  /** The primitives of the last training forward pass, if it ran on oneDNN. */
  private transient OneDnnBatchNorm trainedBy;

  public FastBatchNormalizationLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  private FastBatchNormalization fastConf() {
    return (FastBatchNormalization) layerConf();
  }

  private boolean kernelApplies(INDArray x) {
    var c = layerConf();
    return FastLayers.kernelsAvailable()
        && (x.rank() == 2 || (x.rank() == 4 && c.getCnn2DFormat() == CNN2DFormat.NCHW))
        && !c.isLockGammaBeta()
        && x.dataType() == dataType
        && (dataType == DataType.FLOAT || dataType == DataType.DOUBLE)
        && x.size(1) == c.getNOut();
  }

  /** NHWC float32 images: oneDNN's kernels (they are slow on NCHW, where the Java ones run). */
  private boolean oneDnnApplies(INDArray x) {
    var c = layerConf();
    return OneDnn.available()
        && x.rank() == 4
        && c.getCnn2DFormat() == CNN2DFormat.NHWC
        && !c.isLockGammaBeta()
        && x.dataType() == DataType.FLOAT
        && dataType == DataType.FLOAT
        && x.size(3) == c.getNOut();
  }

  private OneDnnBatchNorm primitivesFor(INDArray x) {
    return primitives.forShapeOf(
        x, a -> new OneDnnBatchNorm(a.shape(), layerConf().getEps(), fastConf().isRelu()));
  }

  /** How many input shapes this layer holds oneDNN primitives for. */
  int primitiveSets() {
    return primitives.size();
  }

  @Override
  public INDArray preOutput(INDArray x, TrainingMode training, LayerWorkspaceMgr workspaceMgr) {
    boolean relu = fastConf().isRelu();
    trainedBy = null;
    if (oneDnnApplies(x)) {
      INDArray in = Values.dense(x);
      OneDnnBatchNorm bn = primitivesFor(in);
      INDArray out =
          workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, in.shape(), 'c');
      INDArray gamma = getParam(GAMMA);
      INDArray beta = getParam(BETA);
      kernelForward = training == TrainingMode.TRAIN;
      if (kernelForward) {
        batchMean = new double[(int) in.size(3)];
        batchVar = new double[batchMean.length];
        bn.train(in, gamma, beta, out, batchMean, batchVar);
        trainedBy = bn;
      } else {
        bn.infer(in, gamma, beta, vector(getParam(MEAN)), runningVariance(), out);
      }
      return out;
    }
    if (!kernelApplies(x)) {
      kernelForward = false;
      INDArray out = super.preOutput(x, training, workspaceMgr);
      if (relu) {
        out = Transforms.relu(out, false);
        fallbackOutput = training == TrainingMode.TRAIN ? out : null;
      }
      return out;
    }
    kernelForward = training == TrainingMode.TRAIN;
    INDArray in = Values.dense(x);
    int channels = (int) in.size(1);
    double[] mean;
    double[] var;
    if (kernelForward) {
      mean = new double[channels];
      var = new double[channels];
      batchMean = mean;
      batchVar = var;
    } else {
      mean = vector(getParam(MEAN));
      var = runningVariance();
    }
    INDArray out =
        workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, in.dataType(), in.shape(), 'c');
    double[] gamma = vector(getParam(GAMMA));
    double[] beta = vector(getParam(BETA));
    double eps = layerConf().getEps();
    BatchNorm kernel = BatchNorm.of(in);
    if (kernelForward) {
      kernel.statistics(in, mean, var);
    }
    kernel.normalize(in, mean, var, gamma, beta, eps, relu, out);
    return out;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(
      INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    assertInputSet(true);
    if (!kernelForward) {
      if (fastConf().isRelu() && fallbackOutput != null) {
        epsilon = epsilon.mul(fallbackOutput.gt(0).castTo(epsilon.dataType()));
      }
      return super.backpropGradient(epsilon, workspaceMgr);
    }
    if (batchMean == null) {
      throw new IllegalStateException(
          layerId() + ": backpropagation without a training forward pass");
    }
    if (trainedBy != null) {
      return oneDnnBackward(epsilon, workspaceMgr);
    }
    var c = layerConf();
    INDArray x = Values.dense(input.castTo(dataType));
    INDArray dy = Values.dense(epsilon.castTo(dataType));
    int channels = (int) x.size(1);
    double[] dGamma = new double[channels];
    double[] dBeta = new double[channels];
    INDArray dx =
        workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
    double[] gamma = vector(getParam(GAMMA));
    double[] beta = vector(getParam(BETA));
    boolean relu = fastConf().isRelu();
    BatchNorm.of(x)
        .backward(x, dy, batchMean, batchVar, gamma, beta, c.getEps(), relu, dx, dGamma, dBeta);
    Gradient g = new DefaultGradient();
    INDArray gammaView = gradientViews.get(GAMMA);
    INDArray betaView = gradientViews.get(BETA);
    put(gammaView, dGamma);
    put(betaView, dBeta);
    g.setGradientFor(GAMMA, gammaView);
    g.setGradientFor(BETA, betaView);
    runningStatisticsStep(g);
    return new Pair<>(g, dx);
  }

  private Pair<Gradient, INDArray> oneDnnBackward(
      INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
    INDArray x = Values.dense(input);
    INDArray dy = Values.dense(epsilon.castTo(dataType));
    INDArray dx =
        workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, x.shape(), 'c');
    INDArray gammaView = gradientViews.get(GAMMA);
    INDArray betaView = gradientViews.get(BETA);
    trainedBy.backward(x, getParam(GAMMA), getParam(BETA), dy, dx, gammaView, betaView);
    Gradient g = new DefaultGradient();
    g.setGradientFor(GAMMA, gammaView);
    g.setGradientFor(BETA, betaView);
    runningStatisticsStep(g);
    return new Pair<>(g, dx);
  }

  /**
   * The "gradient" that moves the running statistics to decay * old + (1 - decay) * batch, as
   * DL4J's layer writes it: for the mean, (mean - batch mean) (1 - decay); for the log10 standard
   * deviation, log10(old var / new var) / 2; for a stored variance, (var - batch var) (1 - decay).
   */
  private void runningStatisticsStep(Gradient g) {
    var c = layerConf();
    double decay = c.getDecay();
    double[] mean = vector(getParam(MEAN));
    double[] step = new double[mean.length];
    for (int i = 0; i < step.length; i++) {
      step[i] = (mean[i] - batchMean[i]) * (1 - decay);
    }
    INDArray meanView = gradientViews.get(MEAN);
    put(meanView, step);
    g.setGradientFor(MEAN, meanView);
    double[] var = runningVariance();
    if (c.isUseLogStd()) {
      for (int i = 0; i < step.length; i++) {
        double next = var[i] * decay + batchVar[i] * (1 - decay);
        step[i] = Math.log10(var[i] / next) / 2;
      }
      INDArray view = gradientViews.get(LOG_STD);
      put(view, step);
      g.setGradientFor(LOG_STD, view);
    } else {
      for (int i = 0; i < step.length; i++) {
        step[i] = (var[i] - batchVar[i]) * (1 - decay);
      }
      INDArray view = gradientViews.get(VAR);
      put(view, step);
      g.setGradientFor(VAR, view);
    }
  }

  /** The running variance, from the stored log10 standard deviation where DL4J keeps that. */
  private double[] runningVariance() {
    if (!layerConf().isUseLogStd()) {
      return vector(getParam(VAR));
    }
    double[] v = vector(getParam(LOG_STD));
    for (int i = 0; i < v.length; i++) {
      v[i] = Math.pow(10, 2 * v[i]);
    }
    return v;
  }

  private static double[] vector(INDArray a) {
    return a.toDoubleVector();
  }

  private static void put(INDArray view, double[] values) {
    for (int i = 0; i < values.length; i++) {
      view.putScalar(i, values[i]);
    }
  }
}
