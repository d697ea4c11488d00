package org.ebvspark.model.nn;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.ebvspark.model.ebv.EbvHeader;
import org.nd4j.linalg.activations.Activation;

/**
 * The classifier on top of a backbone's features; both heads output logits and train with {@link
 * SparseSoftmaxCrossEntropy} on class-index labels.
 *
 * <ul>
 *   <li>EBV: a trainable projection to d (features x d + d parameters), then {@link EbvLogitsLayer}
 *       against the fixed basis (no parameters).
 *   <li>FC: the usual N-way dense layer (features x N + N parameters).
 * </ul>
 *
 * @param kind EBV or FC
 * @param classes N
 * @param dim d (EBV)
 * @param basisLocation where the EBV file is (EBV)
 * @param basisChecksum its SHA-256 (EBV)
 * @param tau the temperature (EBV)
 * @param labelSmoothing the loss's smoothing
 */
public record Head(
    Kind kind,
    long classes,
    int dim,
    String basisLocation,
    String basisChecksum,
    double tau,
    double labelSmoothing) {

  /** Which head. */
  public enum Kind {
    EBV,
    FC;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** The name of the graph's output layer. */
  public static final String OUTPUT = "loss";

  /** An EBV head on the basis described by {@code header}, read from {@code location}. */
  public static Head ebv(String location, EbvHeader header, double tau, double labelSmoothing) {
    return new Head(
        Kind.EBV, header.classes(), header.dim(), location, header.checksum(), tau, labelSmoothing);
  }

  public static Head fc(long classes, double labelSmoothing) {
    return new Head(Kind.FC, classes, 0, null, null, 0, labelSmoothing);
  }

  /** Trainable parameters of the head on {@code features} inputs. */
  public long trainableParameters(long features) {
    return kind == Kind.EBV ? features * dim + dim : features * classes + classes;
  }

  /** Adds the head after {@code features} (of size {@code featureSize}) and sets the output. */
  public void addTo(GraphBuilder g, String features, int featureSize) {
    SparseSoftmaxCrossEntropy loss = new SparseSoftmaxCrossEntropy(labelSmoothing);
    if (kind == Kind.EBV) {
      g.addLayer(
          "projection",
          new DenseLayer.Builder()
              .nIn(featureSize)
              .nOut(dim)
              .activation(Activation.IDENTITY)
              .weightInit(WeightInit.XAVIER)
              .build(),
          features);
      g.addLayer(
          "ebv", new EbvLogitsLayer(basisLocation, basisChecksum, classes, dim, tau), "projection");
      g.addLayer(
          OUTPUT,
          // nIn/nOut only describe the shape (a LossLayer has no parameters).
          new LossLayer.Builder(loss)
              .activation(Activation.IDENTITY)
              .nIn(classes)
              .nOut(classes)
              .build(),
          "ebv");
    } else {
      g.addLayer(
          OUTPUT,
          new OutputLayer.Builder(loss)
              .nIn(featureSize)
              .nOut(classes)
              .activation(Activation.IDENTITY)
              .weightInit(WeightInit.XAVIER)
              .build(),
          features);
    }
    g.setOutputs(OUTPUT);
  }
}
