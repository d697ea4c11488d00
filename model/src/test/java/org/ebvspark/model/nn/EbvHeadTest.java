package org.ebvspark.model.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.ebvspark.model.ebv.EbvFile;
import org.ebvspark.model.ebv.EbvHeader;
import org.ebvspark.model.ebv.EbvProvenance;
import org.ebvspark.model.ebv.Matrices;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.NoOp;

class EbvHeadTest {
  @TempDir static Path dir;
  static String location;
  static EbvHeader header;
  static INDArray w;

  @BeforeAll
  static void writeBasis() throws Exception {
    w = Matrices.toFloat(Matrices.randomUnitRows(20, 6, 3));
    location = dir.resolve("basis.ebv").toString();
    header =
        EbvFile.write(
            w,
            0.9,
            0.9,
            3,
            new EbvProvenance("test", null, null, Map.of(), "now"),
            location,
            false,
            new Configuration());
  }

  /** A small graph: 8 inputs -> dense 8 -> the head. */
  private static ComputationGraph net(Head head, DataType type, boolean update) {
    var g =
        new NeuralNetConfiguration.Builder()
            .seed(1)
            .dataType(type)
            .updater(update ? new Nesterovs(0.1, 0.9) : new NoOp())
            .weightInit(WeightInit.XAVIER)
            .graphBuilder()
            .addInputs("input")
            .setInputTypes(InputType.feedForward(8))
            .addLayer(
                "hidden",
                new DenseLayer.Builder().nOut(8).activation(Activation.TANH).build(),
                "input");
    head.addTo(g, "hidden", 8);
    ComputationGraph net = new ComputationGraph(g.build());
    net.init();
    return net;
  }

  /** Invariant 1: W is not a parameter, not updater state, and not in the JSON. */
  @Test
  void theBasisIsNoParameterNoUpdaterStateAndNotInTheJson() {
    ComputationGraph net = net(Head.ebv(location, header, 0.07, 0.1), DataType.FLOAT, true);
    long hidden = 8 * 8 + 8;
    long projection = 8 * 6 + 6;
    assertThat(net.numParams()).isEqualTo(hidden + projection);
    assertThat(net.getLayer("ebv").numParams()).isZero();
    assertThat(net.getLayer("ebv").params()).isNull();
    // Nesterov momentum keeps one entry per parameter: nothing for W.
    assertThat(net.getUpdater().getStateViewArray().length()).isEqualTo(hidden + projection);

    String json = net.getConfiguration().toJson();
    assertThat(json).contains(header.checksum()).contains("basisLocation");
    assertThat(json.length()).isLessThan(20_000);
    assertThat(json).doesNotContain(Float.toString(w.getFloat(0, 0)));
    ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(json);
    assertThat(back).isEqualTo(net.getConfiguration());
    ComputationGraph restored = new ComputationGraph(back);
    restored.init(net.params(), true);
    INDArray x = Nd4j.rand(DataType.FLOAT, 5, 8);
    assertThat(restored.outputSingle(x).equalsWithEps(net.outputSingle(x), 1e-6)).isTrue();
  }

  @Test
  void logitsAreNormalizedFeaturesTimesTheBasisOverTau() {
    ComputationGraph net = net(Head.ebv(location, header, 0.07, 0.1), DataType.FLOAT, true);
    INDArray x = Nd4j.rand(DataType.FLOAT, 4, 8);
    INDArray v = net.feedForward(x, false).get("projection");
    INDArray u = v.divColumnVector(v.norm2(1).reshape(4, 1));
    INDArray expected = u.mmul(w.transpose()).divi(0.07);
    assertThat(net.outputSingle(x).equalsWithEps(expected, 1e-4)).isTrue();
    assertThat(net.outputSingle(x).shape()).containsExactly(4, 20);
  }

  /** The whole head, in double precision, against central differences (DL4J's checker). */
  @Test
  void gradientCheckPassesForBothHeads() {
    DataType before = Nd4j.dataType();
    org.nd4j.linalg.api.buffer.util.DataTypeUtil.setDTypeForContext(DataType.DOUBLE);
    try {
      check();
    } finally {
      org.nd4j.linalg.api.buffer.util.DataTypeUtil.setDTypeForContext(before);
    }
  }

  private void check() {
    for (Head head : new Head[] {Head.ebv(location, header, 0.5, 0.1), Head.fc(20, 0.1)}) {
      Nd4j.getRandom().setSeed(12);
      ComputationGraph net = net(head, DataType.DOUBLE, false);
      INDArray x = Nd4j.rand(DataType.DOUBLE, 6, 8).subi(0.5);
      INDArray labels = Nd4j.createFromArray(new double[][] {{0}, {3}, {19}, {7}, {7}, {12}});
      // A mixed batch: class, partner's class, weight (mixup and cutmix).
      INDArray mixed =
          Nd4j.createFromArray(
              new double[][] {
                {0, 3, 0.7}, {3, 19, 0.2}, {19, 0, 1}, {7, 7, 0.5}, {7, 12, 0}, {12, 5, 0.45}
              });
      for (INDArray y : new INDArray[] {labels, mixed}) {
        boolean ok =
            GradientCheckUtil.checkGradients(
                new GradientCheckUtil.GraphConfig()
                    .net(net)
                    .inputs(new INDArray[] {x})
                    .labels(new INDArray[] {y})
                    .epsilon(1e-6)
                    .maxRelError(1e-4)
                    .minAbsoluteError(1e-8));
        assertThat(ok).as(head.kind().label() + " labels " + y.size(1)).isTrue();
      }
    }
  }

  @Test
  void aFeatureSizeThatIsNotTheBasisDimensionIsRefused() {
    // A graph that feeds 8 features straight into a d = 6 EBV layer.
    var g =
        new NeuralNetConfiguration.Builder()
            .graphBuilder()
            .addInputs("input")
            .setInputTypes(InputType.feedForward(8))
            .addLayer("ebv", new EbvLogitsLayer(location, header.checksum(), 20, 6, 0.07), "input")
            .setOutputs("ebv");
    assertThatThrownBy(g::build)
        .hasMessageContaining("feature size is 8 but the EBV basis " + location + " has d = 6");
    // A model built for d = 7 that finds a d = 6 basis at its location.
    Head stale = new Head(Head.Kind.EBV, 20, 7, location, header.checksum(), 0.07, 0.1);
    ComputationGraph net = net(stale, DataType.FLOAT, true);
    assertThatThrownBy(() -> net.outputSingle(Nd4j.rand(DataType.FLOAT, 2, 8)))
        .hasMessageContaining("the basis is 20 x 6, but the model was built for N = 20, d = 7");
  }

  @Test
  void aBasisWhoseChecksumChangedIsRefused() {
    Head stale = new Head(Head.Kind.EBV, 20, 6, location, "00".repeat(32), 0.07, 0.1);
    ComputationGraph net = net(stale, DataType.FLOAT, true);
    assertThatThrownBy(() -> net.outputSingle(Nd4j.rand(DataType.FLOAT, 2, 8)))
        .hasMessageContaining("holds the basis with checksum " + header.checksum());
  }

  @Test
  void lossMatchesTheFormulaAndRejectsBadLabels() {
    SparseSoftmaxCrossEntropy loss = new SparseSoftmaxCrossEntropy(0.1);
    INDArray z = Nd4j.createFromArray(new double[][] {{1.0, 2.0, 0.5}, {0.0, -1.0, 3.0}});
    INDArray y = Nd4j.createFromArray(new double[][] {{1}, {0}});
    double[][] zz = {{1.0, 2.0, 0.5}, {0.0, -1.0, 3.0}};
    int[] labels = {1, 0};
    double expected = 0;
    for (int i = 0; i < 2; i++) {
      double lse = Math.log(Math.exp(zz[i][0]) + Math.exp(zz[i][1]) + Math.exp(zz[i][2]));
      for (int k = 0; k < 3; k++) {
        double q = (k == labels[i] ? 0.9 : 0) + 0.1 / 3;
        expected -= q * (zz[i][k] - lse);
      }
    }
    var identity = Activation.IDENTITY.getActivationFunction();
    assertThat(loss.computeScore(y, z, identity, null, false)).isCloseTo(expected, within(1e-9));
    INDArray grad = loss.computeGradient(y, z, identity, null);
    assertThat(grad.sum(1).getDouble(0)).isCloseTo(0.0, within(1e-12));
    INDArray bad = Nd4j.createFromArray(new double[][] {{1}, {3}});
    assertThatThrownBy(() -> loss.computeScore(bad, z, identity, null, false))
        .hasMessage("label 3.0 is not a class index in 0..2 (the head has 3 classes)");
  }

  @Test
  void mixedLabelsGiveTheDenseMixedTargetsLossAndGradient() {
    double e = 0.1;
    SparseSoftmaxCrossEntropy loss = new SparseSoftmaxCrossEntropy(e);
    var identity = Activation.IDENTITY.getActivationFunction();
    int n = 7;
    double[][] rows = {{0, 3, 0.7}, {6, 6, 0.25}, {2, 5, 1}, {4, 1, 0}, {5, 0, 0.5}};
    int mb = rows.length;
    Nd4j.getRandom().setSeed(5);
    INDArray z = Nd4j.randn(DataType.DOUBLE, mb, n).muli(3);
    INDArray y = Nd4j.createFromArray(rows);
    // The dense formula: q = (1 - e) (lambda onehot(a) + (1 - lambda) onehot(b)) + e / N.
    INDArray q = Nd4j.zeros(DataType.DOUBLE, mb, n).addi(e / n);
    for (int i = 0; i < mb; i++) {
      int a = (int) rows[i][0];
      int b = (int) rows[i][1];
      q.putScalar(i, a, q.getDouble(i, a) + (1 - e) * rows[i][2]);
      q.putScalar(i, b, q.getDouble(i, b) + (1 - e) * (1 - rows[i][2]));
    }
    INDArray logSoftmax =
        z.subColumnVector(
            org.nd4j.linalg.ops.transforms.Transforms.log(
                    org.nd4j.linalg.ops.transforms.Transforms.exp(z, true).sum(1), false)
                .reshape(mb, 1));
    INDArray denseLoss = q.mul(logSoftmax).sum(1).negi();
    INDArray denseGrad = org.nd4j.linalg.ops.transforms.Transforms.exp(logSoftmax, true).subi(q);
    INDArray perExample = loss.computeScoreArray(y, z, identity, null);
    for (int i = 0; i < mb; i++) {
      assertThat(perExample.getDouble(i)).isCloseTo(denseLoss.getDouble(i), within(1e-10));
    }
    INDArray grad = loss.computeGradient(y, z, identity, null);
    assertThat(grad.sub(denseGrad).amaxNumber().doubleValue()).isLessThan(1e-12);
    // ... which is lambda CE(a) + (1 - lambda) CE(b) of two unmixed batches.
    INDArray a = y.getColumn(0).reshape(mb, 1);
    INDArray b = y.getColumn(1).reshape(mb, 1);
    INDArray lambda = y.getColumn(2);
    INDArray split =
        loss.computeScoreArray(a, z, identity, null)
            .reshape(mb)
            .mul(lambda)
            .addi(loss.computeScoreArray(b, z, identity, null).reshape(mb).mul(lambda.rsub(1)));
    for (int i = 0; i < mb; i++) {
      assertThat(perExample.getDouble(i)).isCloseTo(split.getDouble(i), within(1e-10));
    }
    INDArray badWeight = Nd4j.createFromArray(new double[][] {{0, 1, 1.5}, {0, 1, 0.5}});
    assertThatThrownBy(
            () ->
                loss.computeScore(
                    badWeight,
                    z.get(
                        org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2),
                        org.nd4j.linalg.indexing.NDArrayIndex.all()),
                    identity,
                    null,
                    false))
        .hasMessage("mixing weight 1.5 is not in [0, 1]");
  }
}
