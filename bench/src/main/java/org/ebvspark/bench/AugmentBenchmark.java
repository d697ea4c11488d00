package org.ebvspark.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.ebvspark.data.batch.BatchMixer;
import org.ebvspark.data.image.AugmentSpec;
import org.ebvspark.data.image.Augmenter;
import org.ebvspark.data.image.ImageRejectedException;

/**
 * Issue 14's decode + augment budget: images per second on one thread of the default ImageNet
 * training transform and of the paper recipe's (TrivialAugment-wide and random erasing added), each
 * against PIL + torchvision's same transforms, interleaved round by round (ours default, theirs
 * default, ours paper, theirs paper); and mixup / cutmix on a batch of 128 at 224 px on both sides.
 * Rewrites its section of docs/BENCHMARKS.md.
 */
public final class AugmentBenchmark {
  private static final int MIX_BATCH = 128;
  private static final int MIX_BATCHES = 20;

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]);
    int rounds = Integer.parseInt(args[1]);
    List<Path> files;
    try (Stream<Path> walk = Files.walk(root.resolve("train"))) {
      files = walk.filter(p -> p.toString().endsWith(".JPEG")).sorted().toList();
    }
    AugmentSpec plain = AugmentSpec.imagenetTrain(224);
    AugmentSpec paper = plain.withTrivialAugment(true).withErasing(0.1).withMixing(0.2, 1.0);
    List<double[]> rows = new ArrayList<>();
    JsonNode versions = null;
    for (int r = 0; r < rounds; r++) {
      double oursPlain = throughput(files, plain);
      JsonNode theirsPlain = reference(root, false);
      double oursPaper = throughput(files, paper);
      JsonNode theirsPaper = reference(root, true);
      double oursMix = mixMillis(paper);
      versions = theirsPaper;
      rows.add(
          new double[] {
            oursPlain,
            theirsPlain.get("train_images_per_second").asDouble(),
            oursPaper,
            theirsPaper.get("paper_images_per_second").asDouble(),
            oursMix,
            theirsPaper.get("mix_ms_per_batch").asDouble()
          });
      System.err.printf("round %d: %s%n", r + 1, Arrays.toString(rows.get(r)));
    }
    BenchmarkReport report = new BenchmarkReport("augment-recipe");
    report.raw("## Decode + augment with the paper recipe, one thread (issue 14)");
    report.raw("");
    report.line(
        "Machine: %s. Command: `bench/run-augment.sh %d` (%s). The %d JPEGs of bench/run-data.sh"
            + " (500x375, quality 90), each read from its file; one thread each side, the four"
            + " measurements interleaved in each of %d rounds, medians. Default = RandomResizedCrop(224)"
            + " + flip + normalize; paper = the reference recipe's preset: default + TrivialAugment-wide"
            + " (bilinear) + random erasing 0.1. Reference: Pillow %s, torchvision %s, torch %s.",
        MachineInfo.describe(),
        rounds,
        java.time.LocalDate.now(),
        files.size(),
        rounds,
        versions.get("pillow").asText(),
        versions.get("torchvision").asText(),
        versions.get("torch").asText());
    report.raw("");
    report.raw(
        "| transform | ebv-spark images/s | PIL + torchvision images/s | ratio (ebv-spark / torchvision) |");
    report.raw("|---|---|---|---|");
    report.line(
        "| default | %.1f | %.1f | %.2fx |", median(rows, 0), median(rows, 1), ratio(rows, 0, 1));
    report.line(
        "| paper recipe | %.1f | %.1f | %.2fx |",
        median(rows, 2), median(rows, 3), ratio(rows, 2, 3));
    report.line(
        "Cost of the paper recipe's per-image parts, as a share of the default's time per image:"
            + " ebv-spark %+.0f%%, torchvision %+.0f%%.",
        100 * (median(rows, 0) / median(rows, 2) - 1),
        100 * (median(rows, 1) / median(rows, 3) - 1));
    report.line(
        "Mixup 0.2 / cutmix 1.0 (one per batch, alternating) on a float batch of %d x 3 x 224 x 224,"
            + " one copy of the batch included: ebv-spark %.1f ms per batch (labels stay [%d, 3]),"
            + " torchvision's references %.1f ms (one-hot targets over 1,000 classes), 1 thread"
            + " each side.",
        MIX_BATCH, median(rows, 4), MIX_BATCH, median(rows, 5));
    report.writeInto(Path.of("docs/BENCHMARKS.md"));
  }

  private static double median(List<double[]> rows, int column) {
    double[] v = rows.stream().mapToDouble(r -> r[column]).sorted().toArray();
    return v[v.length / 2];
  }

  private static double ratio(List<double[]> rows, int a, int b) {
    double[] v = rows.stream().mapToDouble(r -> r[a] / r[b]).sorted().toArray();
    return v[v.length / 2];
  }

  private static JsonNode reference(Path root, boolean paper) throws Exception {
    List<String> args = new ArrayList<>(List.of("--root", root.toString(), "--rounds", "1"));
    if (paper) {
      args.add("--paper");
    }
    return PythonReference.run(
        Path.of("bench/python/augment_reference.py"), 3600, args.toArray(String[]::new));
  }

  /** Images per second through the Augmenter on one thread, each image read from its file. */
  private static double throughput(List<Path> files, AugmentSpec spec) {
    Augmenter augmenter = new Augmenter(spec);
    float[] out = new float[spec.tensorLength()];
    for (int i = 0; i < Math.min(20, files.size()); i++) {
      augment(augmenter, files.get(i), i, out);
    }
    long start = System.nanoTime();
    for (int i = 0; i < files.size(); i++) {
      augment(augmenter, files.get(i), i, out);
    }
    return files.size() / ((System.nanoTime() - start) / 1e9);
  }

  private static void augment(Augmenter augmenter, Path file, int i, float[] out) {
    try {
      augmenter.apply(Files.readAllBytes(file), 42, 0, i, out, 0);
    } catch (IOException | ImageRejectedException e) {
      throw new IllegalStateException(file + ": " + e.getMessage(), e);
    }
  }

  /** Milliseconds per batch of mixing, alternating mixup and cutmix, a copy of the batch each. */
  private static double mixMillis(AugmentSpec spec) {
    float[] batch = new float[MIX_BATCH * spec.tensorLength()];
    SplittableRandom fill = new SplittableRandom(1);
    for (int k = 0; k < batch.length; k++) {
      batch[k] = (float) fill.nextDouble();
    }
    float[] labels = new float[MIX_BATCH];
    AugmentSpec mixup = spec.withMixing(0.2, 0);
    AugmentSpec cutmix = spec.withMixing(0, 1.0);
    long start = System.nanoTime();
    for (int b = 0; b < MIX_BATCHES; b++) {
      float[] copy = batch.clone();
      BatchMixer.mix(copy, labels, MIX_BATCH, b % 2 == 0 ? mixup : cutmix, new SplittableRandom(b));
    }
    return (System.nanoTime() - start) / 1e6 / MIX_BATCHES;
  }
}
