package org.ebvspark.jobs.evaluate;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.ebvspark.data.ImageTables;
import org.ebvspark.data.batch.BatchPlan;
import org.ebvspark.data.image.AugmentSpec;
import org.ebvspark.data.table.ClassList;
import org.ebvspark.data.table.HadoopConf;
import org.ebvspark.data.table.ImageTable;
import org.ebvspark.jobs.train.RunConfig;
import org.ebvspark.jobs.train.RunDirectory;
import org.ebvspark.jobs.train.TableBatchLoader;
import org.ebvspark.model.Provenance;
import org.ebvspark.model.ebv.EbvFile;
import org.ebvspark.model.io.Locations;
import org.ebvspark.model.nn.EbvBasisCache;
import org.ebvspark.model.nn.EbvLogitsLayer;
import org.ebvspark.model.nn.TopKEvaluation;

/**
 * {@code ebv evaluate}: a trained run's model on a split of an image table, on the executors.
 * Top-1, top-5, loss, per-class accuracy, the trainable parameter count and the throughput go into
 * the run's report.json (under "evaluations"); each image's top five predictions go to a Parquet
 * table in the run directory ({@code predictions-SPLIT/}), written atomically.
 */
public final class EvaluateJob {
  /**
   * The predictions table: each image's top five classes, their logits, and the top-1 softmax
   * probability over all classes.
   */
  public static final StructType PREDICTIONS =
      new StructType()
          .add("path", DataTypes.StringType, false)
          .add("label", DataTypes.IntegerType, false)
          .add("top5", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
          .add("scores", DataTypes.createArrayType(DataTypes.FloatType, false), false)
          .add("confidence", DataTypes.FloatType, false);

  /** What was measured. */
  public record Result(TopKEvaluation evaluation, double imagesPerSecond, String predictions) {}

  private final SparkSession spark;
  private final String run;
  private final String table;
  private final String split;
  private final int batch;
  private final String basis;

  public EvaluateJob(SparkSession spark, String run, String table, String split, int batch) {
    this(spark, run, table, split, batch, null);
  }

  /**
   * @param basis where the run's EBV basis is now, if it moved (null: where training read it); the
   *     checksum recorded in the model decides whether it is the same basis
   */
  public EvaluateJob(
      SparkSession spark, String run, String table, String split, int batch, String basis) {
    if (batch < 1) {
      throw new org.ebvspark.model.BadOptionException("--batch must be at least 1, got " + batch);
    }
    this.basis = basis;
    this.spark = spark;
    this.run = run.replaceAll("/+$", "");
    this.table = table;
    this.split = split;
    this.batch = batch;
  }

  public Result execute() throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    RunDirectory dir = new RunDirectory(run, conf);
    String modelLocation = dir.file(RunDirectory.MODEL);
    if (!Locations.exists(modelLocation, conf)) {
      throw new IllegalArgumentException(
          run + ": no model.zip (is this a finished ebv train run?)");
    }
    ImageTables.requireComplete(table, conf);
    Locations.requireWritable(run + "/predictions-" + split, conf);
    RunConfig config = dir.readConfig();
    AugmentSpec spec = config.evalAugmentation();
    int classes = config.classes();
    ClassList tableClasses = ClassList.read(table + "/" + ImageTable.CLASSES_FILE, conf);
    if (tableClasses.size() != classes) {
      throw new IllegalArgumentException(
          table
              + ": has "
              + tableClasses.size()
              + " classes, the model in "
              + run
              + " was trained on "
              + classes);
    }
    ComputationGraph net;
    try (InputStream in = Locations.open(modelLocation, conf)) {
      net = ModelSerializer.restoreComputationGraph(in, false);
    } catch (IOException | RuntimeException e) {
      throw new IOException(modelLocation + ": unreadable model (" + e.getMessage() + ")", e);
    }
    locateBasis(net, conf);
    EbvBasisCache.configure(conf);
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    BatchPlan plan = BatchPlan.of(table, split, batch, conf);
    TableBatchLoader loader = new TableBatchLoader(spec, 0, new HadoopConf(conf), 1L << 30);
    spark
        .sparkContext()
        .setJobGroup("ebv-evaluate", "ebv evaluate " + run + " on " + table + " " + split, false);
    try {
      String predictions = run + "/predictions-" + split;
      SparkEvaluator.Result r =
          SparkEvaluator.evaluate(
              sc,
              net,
              plan,
              loader,
              classes,
              sc.defaultParallelism() * 2,
              rdd -> writePredictions(rdd, predictions, conf));
      TopKEvaluation e = r.evaluation();
      double throughput = e.total() / r.seconds();
      updateReport(
          dir, e, throughput, config.trainableParameters(), predictions, r.workers(), conf);
      return new Result(e, throughput, predictions);
    } finally {
      spark.sparkContext().clearJobGroup();
    }
  }

  /**
   * Points the model's EBV layers at the basis (the one given with --ebv, if its checksum is the
   * recorded one) and checks on the driver that it is there, before any task needs it.
   */
  private void locateBasis(ComputationGraph net, Configuration conf) throws IOException {
    for (var vertex : net.getConfiguration().getVertices().values()) {
      if (!(vertex instanceof org.deeplearning4j.nn.conf.graph.LayerVertex lv)
          || !(lv.getLayerConf().getLayer() instanceof EbvLogitsLayer head)) {
        continue;
      }
      if (basis != null) {
        String given = EbvFile.readHeader(basis, conf).checksum();
        if (!given.equals(head.getBasisChecksum())) {
          throw new IllegalArgumentException(
              basis
                  + ": is another basis (sha256 "
                  + given
                  + ") than the one "
                  + run
                  + " was trained with (sha256 "
                  + head.getBasisChecksum()
                  + ")");
        }
        head.setBasisLocation(Locations.qualified(basis, conf));
        var live = net.getLayer(lv.getLayerConf().getLayer().getLayerName()).conf().getLayer();
        ((EbvLogitsLayer) live).setBasisLocation(head.getBasisLocation());
      } else if (!Locations.exists(head.getBasisLocation(), conf)) {
        throw new IllegalArgumentException(
            run
                + ": its EBV basis "
                + head.getBasisLocation()
                + " (sha256 "
                + head.getBasisChecksum()
                + ") is not there; pass --ebv with where that basis is now");
      }
    }
  }

  private void writePredictions(
      JavaRDD<SparkEvaluator.Prediction> predicted, String target, Configuration conf)
      throws IOException {
    var rows =
        predicted.map(
            p -> {
              List<Integer> top = new ArrayList<>();
              List<Float> scores = new ArrayList<>();
              for (int i = 0; i < p.top().length; i++) {
                top.add(p.top()[i]);
                scores.add(p.scores()[i]);
              }
              return RowFactory.create(
                  p.path(), p.label(), top.toArray(), scores.toArray(), p.confidence());
            });
    Path targetPath = Locations.path(target);
    FileSystem fs = Locations.fileSystem(targetPath, conf);
    Path tmp =
        new Path(targetPath.getParent(), ".predictions-" + split + ".tmp-" + UUID.randomUUID());
    try {
      spark.createDataFrame(rows, PREDICTIONS).write().parquet(tmp.toString());
      if (fs.exists(targetPath)) {
        fs.delete(targetPath, true);
      }
      if (!fs.rename(tmp, targetPath)) {
        throw new IOException(target + ": could not move the predictions into place");
      }
    } finally {
      if (fs.exists(tmp)) {
        fs.delete(tmp, true);
      }
    }
  }

  private void updateReport(
      RunDirectory dir,
      TopKEvaluation e,
      double throughput,
      long trainable,
      String predictions,
      java.util.Collection<String> workers,
      Configuration conf)
      throws IOException {
    ObjectNode report;
    String location = dir.file(RunDirectory.REPORT);
    if (Locations.exists(location, conf)) {
      try (InputStream in = Locations.open(location, conf)) {
        report = (ObjectNode) Provenance.json().readTree(in);
      }
    } else {
      report = Provenance.json().createObjectNode();
    }
    Map<String, Object> evaluation = new LinkedHashMap<>();
    evaluation.put("table", table);
    evaluation.put("split", split);
    evaluation.put("images", e.total());
    evaluation.put("top1", e.top1());
    evaluation.put("top5", e.top5());
    evaluation.put("loss", e.loss());
    evaluation.put("meanClassAccuracy", e.meanClassAccuracy());
    evaluation.put("perClassCorrect", e.perClassCorrect());
    evaluation.put("perClassTotal", e.perClassTotal());
    evaluation.put("trainableParameters", trainable);
    evaluation.put("imagesPerSecond", throughput);
    evaluation.put("predictions", predictions);
    // Each task's executor and the GPU Spark assigned it, as the tasks reported them.
    evaluation.put("workerDevices", List.copyOf(workers));
    evaluation.put("createdAt", Provenance.now());
    ObjectNode evaluations =
        report.has("evaluations")
            ? (ObjectNode) report.get("evaluations")
            : report.putObject("evaluations");
    evaluations.set(split, Provenance.json().valueToTree(evaluation));
    dir.writeJson(RunDirectory.REPORT, report);
  }
}
