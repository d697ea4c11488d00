package org.ebvspark.model.nn.fast;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Trainable;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;

/**
 * DL4J's update of a network's gradient, for momentum SGD (its {@link Nesterovs}), weight decay and
 * untrained parameters ({@link NoOp}: batch norms' running statistics) in one pass over memory.
 * DL4J's updater does the same arithmetic as about three native operations per updater block
 * (division by the minibatch, the momentum step, the weight decay), each with its own views and
 * dispatch: resnet32 has 67 blocks, and its update took 12-24 ms of a 400 ms step where this took
 * 0.4-0.6 ms (docs/BENCHMARKS.md). The arithmetic is DL4J's, in its order and in float32 as libnd4j
 * does it; the updater state is the same array, so checkpoints, Spark's averaging of updater state
 * and resumption see no difference. Networks this does not cover (other updaters or
 * regularizations, gradient normalization, pretraining, double precision, a gradient array that is
 * not dense, ND4J's CUDA backend) go through DL4J's update unchanged.
 */
public final class FusedUpdater extends ComputationGraphUpdater {
  private static final int PIECE = 16384;

  /** {@code -Debv.fused-updater=false} keeps DL4J's updater (for comparisons). */
  public static final String PROPERTY = "ebv.fused-updater";

  /** One parameter's range of the flattened arrays, and how its gradient becomes its update. */
  private record Segment(
      int from,
      int to,
      int stateFrom,
      boolean divide,
      IUpdater updater,
      List<WeightDecay> decays) {}

  /** Part of a segment, the unit the pool's threads take. */
  private record Piece(Segment segment, int from, int to) {}

  /** Null when DL4J's update must run (see {@link #plan}). */
  private final transient List<Piece> pieces;

  private FusedUpdater(ComputationGraph graph, INDArray state) {
    super(graph, state);
    this.pieces = plan();
  }

  /**
   * Gives {@code graph} this updater, taking over its current updater's state array, unless it has
   * it already, ND4J's backend keeps arrays off the host, or {@value #PROPERTY} is false. Call
   * after {@code init()}.
   */
  public static void install(ComputationGraph graph) {
    if (!FastLayers.kernelsAvailable() || "false".equals(System.getProperty(PROPERTY))) {
      return;
    }
    ComputationGraphUpdater current = graph.getUpdater(true);
    if (current instanceof FusedUpdater) {
      return;
    }
    graph.setUpdater(new FusedUpdater(graph, current.getStateViewArray()));
  }

  /** Whether {@code graph}'s updates take the fused path. */
  public static boolean fused(ComputationGraph graph) {
    return graph.getUpdater(false) instanceof FusedUpdater f && f.pieces != null;
  }

  /** The segments of every parameter, in pieces; null where DL4J's update must run. */
  private List<Piece> plan() {
    INDArray params = getParams();
    INDArray gradients = getFlattenedGradientsView();
    if (params == null
        || gradients == null
        || params.dataType() != DataType.FLOAT
        || !Values.usable(params)
        || !Values.usable(gradients)
        || (updaterStateViewArray != null
            && (updaterStateViewArray.dataType() != DataType.FLOAT
                || !Values.usable(updaterStateViewArray)))) {
      return null;
    }
    List<Piece> out = new ArrayList<>();
    for (UpdaterBlock block : updaterBlocks) {
      if (block.isPretrainUpdaterBlock()) {
        return null;
      }
      List<UpdaterBlock.ParamState> vars = block.getLayersAndVariablesInBlock();
      if (vars.get(0).getLayer().numParams() == 0) {
        continue; // DL4J's block update skips these too
      }
      for (UpdaterBlock.ParamState p : vars) {
        Trainable layer = p.getLayer();
        String name = p.getParamName();
        IUpdater updater = layer.getConfig().getUpdaterByParam(name);
        if (updater.getClass() != Nesterovs.class && updater.getClass() != NoOp.class) {
          return null;
        }
        GradientNormalization norm = layer.getConfig().getGradientNormalization();
        if (norm != null && norm != GradientNormalization.None) {
          return null;
        }
        List<WeightDecay> decays = new ArrayList<>();
        List<Regularization> regs = layer.getConfig().getRegularizationByParam(name);
        for (Regularization r : regs == null ? List.<Regularization>of() : regs) {
          if (r.getClass() != WeightDecay.class) {
            return null;
          }
          decays.add((WeightDecay) r);
        }
        int stateFrom =
            block.getUpdaterViewOffsetStart()
                + (p.getParamOffsetStart() - block.getParamOffsetStart());
        Segment s =
            new Segment(
                p.getParamOffsetStart(),
                p.getParamOffsetEnd(),
                stateFrom,
                isMiniBatch() && layer.updaterDivideByMinibatch(name),
                updater,
                List.copyOf(decays));
        for (int from = s.from(); from < s.to(); from += PIECE) {
          out.add(new Piece(s, from, Math.min(s.to(), from + PIECE)));
        }
      }
    }
    return List.copyOf(out);
  }

  @Override
  public synchronized void update(
      Gradient gradient, int iteration, int epoch, int batchSize, LayerWorkspaceMgr workspaceMgr) {
    // DL4J's own update takes the network's gradient as an "external" one (gradient() is a new
    // reshaped view of it) and works on views of whatever array it is given; so does this.
    INDArray gradients = gradient.gradient();
    if (pieces == null
        || gradients.dataType() != DataType.FLOAT
        || !Values.usable(gradients)
        || gradients.length() != getParams().length()) {
      super.update(gradient, iteration, epoch, batchSize, workspaceMgr);
      return;
    }
    FloatBuffer g = Values.floats(gradients);
    FloatBuffer w = Values.floats(getParams());
    FloatBuffer v = updaterStateViewArray == null ? null : Values.floats(updaterStateViewArray);
    float batch = batchSize;
    Kernels.parallel(
        pieces.size(),
        k -> {
          Piece piece = pieces.get(k);
          Segment s = piece.segment();
          float[][] t = SCRATCH.get();
          int len = piece.to() - piece.from();
          float[] gs = t[0];
          g.get(piece.from(), gs, 0, len);
          if (s.divide()) {
            for (int i = 0; i < len; i++) {
              gs[i] /= batch;
            }
          }
          if (s.updater() instanceof Nesterovs n) {
            nesterov(
                n, iteration, epoch, gs, v, s.stateFrom() + (piece.from() - s.from()), len, t[1]);
          }
          if (!s.decays().isEmpty()) {
            double lr =
                s.updater().hasLearningRate() ? s.updater().getLearningRate(iteration, epoch) : 1;
            float[] ws = t[2];
            w.get(piece.from(), ws, 0, len);
            for (WeightDecay d : s.decays()) {
              double scale = d.getCoeff().valueAt(iteration, epoch);
              float a = (float) (d.isApplyLR() ? scale * lr : scale);
              for (int i = 0; i < len; i++) {
                gs[i] = a * ws[i] + gs[i];
              }
            }
          }
          g.put(piece.from(), gs, 0, len);
        });
  }

  private static final ThreadLocal<float[][]> SCRATCH =
      ThreadLocal.withInitial(() -> new float[3][PIECE]);

  /**
   * libnd4j's nesterovs_updater: prev = m v; v = prev - lr g; g = prev + (-m - 1) v, in float32.
   */
  private static void nesterov(
      Nesterovs n,
      int iteration,
      int epoch,
      float[] gs,
      FloatBuffer v,
      int at,
      int len,
      float[] vs) {
    float lr = (float) n.getLearningRate(iteration, epoch);
    float m = (float) n.currentMomentum(iteration, epoch);
    float mt = -m - 1;
    v.get(at, vs, 0, len);
    for (int i = 0; i < len; i++) {
      float prev = m * vs[i];
      float st = prev - lr * gs[i];
      vs[i] = st;
      gs[i] = prev + mt * st;
    }
    v.put(at, vs, 0, len);
  }
}
