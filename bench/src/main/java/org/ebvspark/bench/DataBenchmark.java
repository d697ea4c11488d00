package org.ebvspark.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.ebvspark.data.PrepareImagesJob;
import org.ebvspark.data.image.AugmentSpec;
import org.ebvspark.data.image.Augmenter;
import org.ebvspark.data.table.ImageTableWriter;
import org.ebvspark.jobs.SparkSessions;

/**
 * The data benchmark of issue 4: decode + augment throughput per core of the project's decoder
 * against PIL + torchvision on the same ImageNet-like JPEGs, and the throughput of {@code ebv
 * prepare imagenet} on this machine. Rewrites its section of docs/BENCHMARKS.md.
 */
public final class DataBenchmark {
  private final BenchmarkReport report = new BenchmarkReport("data");

  public static void main(String[] args) throws Exception {
    new DataBenchmark().run(Path.of(args[0]), Integer.parseInt(args[1]));
  }

  private void run(Path root, int rounds) throws Exception {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(root.resolve("train"))) {
      files = walk.filter(p -> p.toString().endsWith(".JPEG")).sorted().toList();
    }
    long bytes = 0;
    for (Path f : files) {
      bytes += Files.size(f);
    }
    report.raw("## Data preparation, decoding and augmentation (issue 4)");
    report.raw("");
    report.line(
        "Machine: %s. Command: `bench/run-data.sh` (%s). Input: %d JPEGs made by"
            + " bench/python/make_jpegs.py (500x375 or 375x500, quality 90, %.0f KiB on average).",
        MachineInfo.describe(),
        java.time.LocalDate.now(),
        files.size(),
        bytes / 1024.0 / files.size());
    report.raw("");
    report.raw(
        "### Decode + augment, images per second on one core (read from the file each time)");
    report.raw("");
    report.raw(
        "| transform | ebv-spark (OpenCV, 1 thread) | PIL + torchvision (1 thread) | ratio | ebv-spark, 2 threads |");
    report.raw("|---|---|---|---|---|");
    double train = throughput(files, AugmentSpec.imagenetTrain(224), rounds, 1);
    double eval = throughput(files, AugmentSpec.imagenetEval(256, 224), rounds, 1);
    double train2 = throughput(files, AugmentSpec.imagenetTrain(224), rounds, 2);
    double eval2 = throughput(files, AugmentSpec.imagenetEval(256, 224), rounds, 2);
    JsonNode ref = null;
    if (PythonReference.available()) {
      ref =
          PythonReference.run(
              Path.of("bench/python/augment_reference.py"),
              3600,
              "--root",
              root.toString(),
              "--rounds",
              "" + rounds);
    }
    row(
        "train: RandomResizedCrop(224) + flip + normalize",
        train,
        ref == null ? Double.NaN : ref.get("train_images_per_second").asDouble(),
        train2);
    row(
        "eval: Resize(256) + CenterCrop(224) + normalize",
        eval,
        ref == null ? Double.NaN : ref.get("eval_images_per_second").asDouble(),
        eval2);
    if (ref != null) {
      report.line(
          "Reference versions: Pillow %s, torchvision %s, torch %s (Debian). Both sides produce a"
              + " normalized 3 x 224 x 224 float32 tensor per image.",
          ref.get("pillow").asText(), ref.get("torchvision").asText(), ref.get("torch").asText());
    }
    prepare(root, files.size(), bytes);
    report.writeInto(Path.of("docs/BENCHMARKS.md"));
  }

  private void row(String name, double ours, double reference, double ours2) {
    report.line(
        "| %s | %.1f | %.1f | %.2fx | %.1f |", name, ours, reference, ours / reference, ours2);
  }

  /** Images per second through Augmenter, each image read from its file, on {@code threads}. */
  private static double throughput(List<Path> files, AugmentSpec spec, int rounds, int threads) {
    Augmenter augmenter = new Augmenter(spec);
    IntStream.range(0, Math.min(20, files.size()))
        .forEach(i -> augment(augmenter, files.get(i), i));
    long start = System.nanoTime();
    int total = rounds * files.size();
    IntStream indices = IntStream.range(0, total);
    if (threads > 1) {
      indices = indices.parallel();
    }
    indices.forEach(i -> augment(augmenter, files.get(i % files.size()), i));
    return total / ((System.nanoTime() - start) / 1e9);
  }

  private static void augment(Augmenter augmenter, Path file, int i) {
    float[] out = new float[augmenter.spec().tensorLength()];
    try {
      augmenter.apply(Files.readAllBytes(file), 42, 0, i, out, 0);
    } catch (IOException | org.ebvspark.data.image.ImageRejectedException e) {
      throw new IllegalStateException(file + ": " + e.getMessage(), e);
    }
  }

  private void prepare(Path root, int images, long bytes) throws Exception {
    SparkSession spark = SparkSessions.getOrCreate("ebv prepare benchmark", "local[2]");
    try {
      Path out = Path.of("bench/out/prepared");
      long start = System.nanoTime();
      ImageTableWriter.Summary s =
          new PrepareImagesJob(
                  spark,
                  new ImageTableWriter.Options(out.toString(), true, 42, 64L << 20, 8L << 20))
              .imagenet(root.toString(), null, 0, 90);
      double seconds = (System.nanoTime() - start) / 1e9;
      long resizeStart = System.nanoTime();
      new PrepareImagesJob(
              spark, new ImageTableWriter.Options(out + "-256", true, 42, 64L << 20, 8L << 20))
          .imagenet(root.toString(), null, 256, 90);
      double resizeSeconds = (System.nanoTime() - resizeStart) / 1e9;
      report.raw("");
      report.raw(
          "### `ebv prepare imagenet` on local[2] (list, read, decode every image, shuffle, write Parquet)");
      report.raw("");
      report.raw("| variant | images | seconds | images/s | input MB/s |");
      report.raw("|---|---|---|---|---|");
      report.line(
          "| stored as is | %d | %.1f | %.1f | %.1f |",
          s.rows().get("train"), seconds, images / seconds, bytes / 1e6 / seconds);
      report.line(
          "| --resize 256 (re-encoded JPEG q90) | %d | %.1f | %.1f | %.1f |",
          images, resizeSeconds, images / resizeSeconds, bytes / 1e6 / resizeSeconds);
      report.line(
          "Includes Spark's job start-up for each run; on this corpus size it is a visible share.");
    } finally {
      spark.stop();
    }
  }
}
