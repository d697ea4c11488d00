package org.ebvspark.jobs.evaluate;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.ebvspark.data.batch.BatchPlan;
import org.ebvspark.jobs.GpuBinding;
import org.ebvspark.jobs.WorkerId;
import org.ebvspark.jobs.train.TableBatchLoader;
import org.ebvspark.model.ebv.HostRows;
import org.ebvspark.model.nn.TopKEvaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Evaluation on the executors: the model travels once (a broadcast of its bytes, rebuilt once per
 * JVM), each task evaluates its batches into a {@link TopKEvaluation} and, if asked, the top-5
 * predictions of each image; the driver merges the evaluations. The broadcast is destroyed after.
 */
public final class SparkEvaluator {
  /**
   * The top five classes and their logits for one image, and the softmax probability of the first
   * over all N classes (what a calibration measure needs; the five logits alone overstate it).
   */
  public record Prediction(String path, int label, int[] top, float[] scores, float confidence)
      implements Serializable {}

  /**
   * What a task returns.
   *
   * @param worker the executor and the GPU address Spark assigned the task ("1:gpu0", "1:cpu")
   */
  record Part(
      TopKEvaluation evaluation,
      List<Prediction> predictions,
      long images,
      double seconds,
      String worker)
      implements Serializable {}

  /**
   * The merged result.
   *
   * @param workers each task's executor and device, as the tasks reported them
   */
  public record Result(
      TopKEvaluation evaluation,
      double seconds,
      double slowestTaskSeconds,
      java.util.SortedSet<String> workers) {}

  /** Where the per-image predictions go, while the model broadcast they come from still lives. */
  public interface PredictionSink {
    void write(JavaRDD<Prediction> predictions) throws IOException;
  }

  private SparkEvaluator() {}

  /**
   * @param predictions if not null, receives each image's top five (computed with the evaluation,
   *     kept in executor memory until the sink returns)
   */
  public static Result evaluate(
      JavaSparkContext sc,
      ComputationGraph net,
      BatchPlan plan,
      TableBatchLoader loader,
      int classes,
      int partitions,
      PredictionSink predictions)
      throws IOException {
    long start = System.nanoTime();
    Broadcast<ModelBytes> model =
        sc.broadcast(new ModelBytes(java.util.UUID.randomUUID().toString(), bytes(net)));
    boolean keepPredictions = predictions != null;
    JavaRDD<Part> parts = null;
    try {
      List<String> paths = plan.epoch(0, 0, false);
      parts =
          sc.parallelize(paths, Math.max(1, Math.min(partitions, paths.size())))
              .mapPartitions(
                  it -> {
                    long t0 = System.nanoTime();
                    int device = GpuBinding.bindCurrentTask();
                    ComputationGraph local = ModelCache.get(model, device);
                    TopKEvaluation eval = new TopKEvaluation(classes);
                    List<Prediction> out = new ArrayList<>();
                    long images = 0;
                    while (it.hasNext()) {
                      String path = it.next();
                      TableBatchLoader.Loaded batch = loader.loadWithRows(path);
                      DataSet ds = batch.data();
                      INDArray logits = local.outputSingle(false, ds.getFeatures());
                      eval.add(logits, ds.getLabels());
                      images += ds.numExamples();
                      if (keepPredictions) {
                        out.addAll(top5(logits, batch));
                      }
                    }
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    return List.of(new Part(eval, out, images, seconds, WorkerId.here(device)))
                        .iterator();
                  })
              .persist(StorageLevel.MEMORY_AND_DISK());
      List<Part> all = parts.collect();
      TopKEvaluation total = new TopKEvaluation(classes);
      double slowest = 0;
      java.util.SortedSet<String> workers = new java.util.TreeSet<>();
      for (Part p : all) {
        total.merge(p.evaluation());
        slowest = Math.max(slowest, p.seconds());
        workers.add(p.worker());
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      if (keepPredictions) {
        predictions.write(parts.flatMap(p -> p.predictions().iterator()));
      }
      return new Result(total, seconds, slowest, workers);
    } finally {
      if (parts != null) {
        parts.unpersist(false);
      }
      model.destroy(false);
    }
  }

  private static List<Prediction> top5(INDArray logits, TableBatchLoader.Loaded batch) {
    INDArray floats = logits.castTo(DataType.FLOAT).dup('c');
    HostRows rows = HostRows.of(floats);
    int n = floats.columns();
    int k = Math.min(5, n);
    float[] row = new float[n];
    List<Prediction> out = new ArrayList<>();
    for (int i = 0; i < floats.rows(); i++) {
      rows.getRows(i, 1, row, 0);
      int[] top = new int[k];
      float[] scores = new float[k];
      java.util.Arrays.fill(scores, Float.NEGATIVE_INFINITY);
      for (int c = 0; c < n; c++) {
        float v = row[c];
        if (v > scores[k - 1]) {
          int p = k - 1;
          while (p > 0 && scores[p - 1] < v) {
            scores[p] = scores[p - 1];
            top[p] = top[p - 1];
            p--;
          }
          scores[p] = v;
          top[p] = c;
        }
      }
      double partition = 0;
      for (int c = 0; c < n; c++) {
        partition += Math.exp(row[c] - scores[0]);
      }
      var r = batch.rows().get(i);
      out.add(new Prediction(r.path(), r.label(), top, scores, (float) (1 / partition)));
    }
    return out;
  }

  static byte[] bytes(ComputationGraph net) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ModelSerializer.writeModel(net, out, false);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A model as it travels, with a key of its own: broadcast ids restart with every SparkContext, so
   * a JVM that outlives one (a test JVM, a notebook, an executor reused by a new context) must not
   * take a later broadcast for an earlier model.
   */
  record ModelBytes(String key, byte[] bytes) implements Serializable {}

  /**
   * The model of the current evaluation broadcast, rebuilt once per executor JVM and device (a
   * network lives on the GPU it was built on).
   */
  static final class ModelCache {
    private static String key;
    private static final java.util.Map<Integer, ComputationGraph> NETS = new java.util.HashMap<>();

    private ModelCache() {}

    static synchronized ComputationGraph get(Broadcast<ModelBytes> b, int device)
        throws IOException {
      ModelBytes m = b.value();
      if (!m.key().equals(key)) {
        NETS.clear();
        key = m.key();
      }
      ComputationGraph net = NETS.get(device);
      if (net == null) {
        net = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(m.bytes()), false);
        NETS.put(device, net);
      }
      return net;
    }
  }
}
