package org.ebvspark.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.io.FileUtils;
import org.apache.hadoop.conf.Configuration;
import org.ebvspark.model.ebv.EbvFile;
import org.ebvspark.model.ebv.EbvProvenance;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Planted bad inputs and faults, each run through the {@code ebv} command line as a user would: the
 * exit code, one line that names the input and the problem, no stack trace, and nothing outside the
 * tool's own outputs changed (every file under the test's folder hashed before and after).
 */
class BadInputCliTest {
  @TempDir static Path base;
  static String table;
  static String basis;
  static String unfinished;

  @BeforeAll
  static void fixtures() throws Exception {
    table = base.resolve("table").toString();
    ok(
        "prepare",
        "synthetic",
        "--classes",
        "3",
        "--per-class",
        "8",
        "--val-per-class",
        "2",
        "--size",
        "16",
        "--master",
        "local[1]",
        "-o",
        table);
    basis = base.resolve("w3.ebv").toString();
    ok("generate", "-n", "3", "-d", "8", "-a", "0.01", "--no-spark", "-o", basis);
    // A run as a killed driver leaves it: epoch 1 checkpointed, epoch 2 never finished.
    unfinished = base.resolve("unfinished").toString();
    ok(train(unfinished, "--epochs", "2"));
    Path run = Path.of(unfinished);
    FileUtils.deleteDirectory(run.resolve("checkpoints/epoch-0002-round-00000").toFile());
    for (String f : List.of("model.zip", "report.json", "_SUCCESS")) {
      Files.delete(run.resolve(f));
    }
    Files.createDirectories(base.resolve("user/docs"));
    Files.writeString(base.resolve("user/docs/notes.txt"), "precious");
  }

  private static final java.util.Set<String> FLAGS = java.util.Set.of("--resume", "--overwrite");

  /**
   * A small one-JVM train into {@code run}; {@code changes} are flags or option-value pairs that
   * replace or add to the defaults here.
   */
  private static String[] train(String run, String... changes) {
    Map<String, String> options = new java.util.LinkedHashMap<>();
    String[] defaults = {
      "--data",
      table,
      "--backbone",
      "cnn-small",
      "--head",
      "ebv",
      "--ebv",
      basis,
      "--run",
      run,
      "--epochs",
      "1",
      "--batch",
      "4",
      "--max-batches",
      "2",
      "--averaging-frequency",
      "1"
    };
    for (int i = 0; i < defaults.length; i += 2) {
      options.put(defaults[i], defaults[i + 1]);
    }
    for (int i = 0; i < changes.length; i++) {
      options.put(changes[i], FLAGS.contains(changes[i]) ? null : changes[++i]);
    }
    List<String> args = new java.util.ArrayList<>(List.of("train", "--local"));
    options.forEach(
        (k, v) -> {
          args.add(k);
          if (v != null) {
            args.add(v);
          }
        });
    return args.toArray(String[]::new);
  }

  private static CliRun ok(String... args) {
    CliRun r = CliRun.of(args);
    assertThat(r.exitCode()).as(String.join(" ", args) + "\n" + r.err()).isZero();
    return r;
  }

  /**
   * Runs {@code args}, expects exit {@code code} with one error line containing {@code fragment},
   * no trace, and every file under the test folder as it was.
   */
  private static CliRun refused(int code, String fragment, String... args) throws IOException {
    Map<String, String> before = tree();
    CliRun r = CliRun.of(args);
    String errors = r.errorLines();
    assertThat(r.exitCode()).as(String.join(" ", args) + "\n" + r.err()).isEqualTo(code);
    assertThat(errors).as("one line").doesNotContain("\n").contains(fragment);
    assertThat(r.err()).as("no stack trace").doesNotContain("\tat ").doesNotContain("Exception in");
    assertThat(tree()).as("files after " + String.join(" ", args)).isEqualTo(before);
    return r;
  }

  /** Every file under the test folder and its SHA-256. */
  private static Map<String, String> tree() throws IOException {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> files = Files.walk(base)) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        out.put(base.relativize(p).toString(), sha256(Files.readAllBytes(p)));
      }
    }
    return out;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String path(String name) {
    return base.resolve(name).toString();
  }

  // --- --overwrite deletes only what the tool wrote, and never an input ------------------------

  @Test
  void overwriteRefusesFoldersAndFilesTheToolDidNotWrite() throws Exception {
    String user = path("user");
    refused(
        1,
        user + ": is not an EBV file (a folder",
        "generate",
        "-n",
        "3",
        "-d",
        "8",
        "-a",
        "0.01",
        "--no-spark",
        "-o",
        user,
        "--overwrite");
    refused(
        1,
        user + ": is not an image table written by ebv prepare",
        "prepare",
        "synthetic",
        "--classes",
        "3",
        "--per-class",
        "4",
        "--size",
        "16",
        "-o",
        user,
        "--overwrite");
    refused(1, user + ": is not a run directory written by ebv train", train(user, "--overwrite"));
    Files.createDirectories(base.resolve("folder.npy"));
    refused(
        1,
        path("folder.npy") + ": is not a .npy file (a folder",
        "convert",
        basis,
        path("folder.npy"),
        "--overwrite");
    Files.delete(base.resolve("folder.npy"));
    // A table the tool wrote is replaced with the flag.
    String own = path("own-table");
    ok(
        "prepare",
        "synthetic",
        "--classes",
        "3",
        "--per-class",
        "4",
        "--size",
        "16",
        "--master",
        "local[1]",
        "-o",
        own);
    ok(
        "prepare",
        "synthetic",
        "--classes",
        "3",
        "--per-class",
        "5",
        "--size",
        "16",
        "--master",
        "local[1]",
        "-o",
        own,
        "--overwrite");
    assertThat(Files.readString(Path.of(own, "_EBV_OUTPUT")).strip()).isEqualTo("image-table");
    FileUtils.deleteDirectory(new java.io.File(own));
  }

  @Test
  void anOutputIsNeverAnInputOrInsideOrAroundOne() throws Exception {
    Path images = base.resolve("images");
    Files.createDirectories(images);
    Files.writeString(base.resolve("list.csv"), "image_id,label\na.png,0\n");
    refused(
        1,
        images + ": the output is the input " + images,
        "prepare",
        "csv",
        "--input",
        path("list.csv"),
        "--images-root",
        images.toString(),
        "-o",
        images.toString(),
        "--overwrite");
    refused(
        1,
        "lies inside the input " + images,
        "prepare",
        "csv",
        "--input",
        path("list.csv"),
        "--images-root",
        images.toString(),
        "-o",
        images.resolve("table").toString());
    refused(
        1,
        base + ": the output contains the input " + table,
        "prepare",
        "long-tail",
        "--input",
        table,
        "--ratio",
        "10",
        "-o",
        base.toString());
  }

  @Test
  void aLongTailTableFromBeforeTheOrderFixIsRefusedByTraining() throws Exception {
    String tail = path("tail");
    ok(
        "prepare",
        "long-tail",
        "--input",
        table,
        "--ratio",
        "2",
        "--master",
        "local[1]",
        "-o",
        tail);
    Path report = Path.of(tail, "prep-report.json");
    assertThat(Files.readString(report)).contains("\"selection\"");
    // What an older ebv prepare long-tail wrote: the same report without the selection field.
    com.fasterxml.jackson.databind.node.ObjectNode json =
        (com.fasterxml.jackson.databind.node.ObjectNode)
            org.ebvspark.model.Provenance.json().readTree(report.toFile());
    ((com.fasterxml.jackson.databind.node.ObjectNode) json.get("input")).remove("selection");
    Files.writeString(report, json.toPrettyString());
    refused(
        1,
        tail + ": long-tailed table from an older ebv prepare long-tail",
        train(path("r-old-tail"), "--data", tail));
    assertThat(base.resolve("r-old-tail")).doesNotExist();
  }

  // --- no wrong number: a broken basis never trains, ties and NaN never count -------------------

  private static String writeUnchecked(String name, float[][] rows, double claimed)
      throws IOException {
    INDArray w = Nd4j.createFromArray(rows).castTo(DataType.FLOAT);
    String location = path(name);
    EbvFile.write(
        w,
        claimed,
        claimed,
        1,
        new EbvProvenance("planted", null, null, Map.of(), "now"),
        location,
        true,
        new Configuration());
    return location;
  }

  @Test
  void aBrokenBasisIsRefusedBeforeARunDirectoryExists() throws Exception {
    float s = (float) Math.sqrt(0.5);
    String same = writeUnchecked("same.ebv", new float[][] {{1, 0}, {1, 0}, {1, 0}}, 0);
    refused(1, same + ": rows 0 and 1 are identical", train(path("r-same"), "--ebv", same));
    String nan = writeUnchecked("nan.ebv", new float[][] {{1, 0}, {Float.NaN, 0}, {s, s}}, 0);
    refused(1, nan + ": row 1 holds NaN", train(path("r-nan"), "--ebv", nan));
    // A byte of W changed after writing: the checksum fails on the driver, not inside Spark.
    Path corrupt = base.resolve("corrupt.ebv");
    Files.copy(Path.of(basis), corrupt);
    byte[] bytes = Files.readAllBytes(corrupt);
    bytes[bytes.length - 2] ^= 0x40;
    Files.write(corrupt, bytes);
    refused(1, "checksum mismatch", train(path("r-corrupt"), "--ebv", corrupt.toString()));
    refused(2, "--tau must be a positive number", train(path("r-tau"), "--tau", "0"));
    for (String r : List.of("r-same", "r-nan", "r-corrupt", "r-tau")) {
      assertThat(base.resolve(r)).as(r).doesNotExist();
    }
    // inspect recomputes the coherence and says when the header's claim is false.
    String lying = writeUnchecked("lying.ebv", new float[][] {{1, 0}, {s, s}, {0, 1}}, 0.01);
    CliRun inspect = CliRun.of("inspect", lying);
    assertThat(inspect.exitCode()).isEqualTo(1);
    assertThat(inspect.err()).contains(lying + ": the header claims max |cos| 0.010000");
    CliRun convert = CliRun.of("convert", same, path("same.npy"));
    assertThat(convert.exitCode()).isZero(); // exporting is fine; importing it back is not:
    refused(1, "rows 0 and 1 are identical", "convert", path("same.npy"), path("same2.ebv"));
  }

  // --- one-line usage errors, exit 2
  // --------------------------------------------------------------

  @Test
  void credentialsInsideUrisAreRefusedAndNeverPrintedOrRecorded() throws Exception {
    String run = path("r-secret");
    CliRun s3 =
        refused(
            2,
            "s3a://***@bucket/table: a location must not carry credentials",
            train(run, "--data", "s3a://AKIAEXAMPLE:SECRETEXAMPLE@bucket/table"));
    assertThat(s3.err()).doesNotContain("SECRETEXAMPLE").contains("fs.s3a.secret.key");
    String[] master = train(run, "--master", "spark://admin:SECRETEXAMPLE@127.0.0.1:7077");
    CliRun spark =
        refused(
            2,
            "spark://***@127.0.0.1:7077: a master URL must not carry credentials",
            java.util.Arrays.stream(master)
                .filter(a -> !a.equals("--local"))
                .toArray(String[]::new));
    assertThat(spark.err()).doesNotContain("SECRETEXAMPLE").contains("spark.authenticate.secret");
    CliRun generate =
        refused(
            2,
            "must not carry credentials",
            "generate",
            "-n",
            "4",
            "-d",
            "4",
            "-a",
            "0.5",
            "--no-spark",
            "-o",
            "hdfs://u:SECRETEXAMPLE@nn/w.ebv");
    assertThat(generate.err()).doesNotContain("SECRETEXAMPLE");
    // the command line a run records keeps no secret either
    org.ebvspark.model.Provenance.recordCommand("ebv train --data s3a://K:S3CR3T@b/t");
    assertThat(org.ebvspark.model.Provenance.command()).isEqualTo("ebv train --data s3a://***@b/t");
    assertThat(base.resolve("r-secret")).doesNotExist();
  }

  @Test
  void badOptionValuesAreUsageErrors() throws Exception {
    String run = path("r-usage");
    String[] onSpark = train(run, "--master", "nonsense");
    refused(
        2,
        "--master 'nonsense' is not a Spark master URL",
        java.util.Arrays.stream(onSpark).filter(a -> !a.equals("--local")).toArray(String[]::new));
    refused(2, "--batch must be at least 1, got 0", train(run, "--batch", "0"));
    refused(2, "--weight-decay must not be negative", train(run, "--weight-decay", "-1"));
    refused(2, "--random-erase must be in [0, 1], got 1.5", train(run, "--random-erase", "1.5"));
    refused(2, "unknown layers 'quick' (auto, fast, dl4j)", train(run, "--layers", "quick"));
    refused(2, "--warmup-epochs must not be negative", train(run, "--warmup-epochs", "-1"));
    refused(
        2, "--image-size and --max-batches must not be negative", train(run, "--image-size", "-8"));
    refused(2, "--memory-mb must be positive", train(run, "--memory-mb", "-5"));
    refused(2, "--head must be ebv or fc, not 'cosine'", train(run, "--head", "cosine"));
    refused(2, "unknown backbone 'vgg'", train(run, "--backbone", "vgg"));
    refused(
        2,
        "--batch must be at least 1, got 0",
        "evaluate",
        "--run",
        unfinished,
        "--data",
        table,
        "--batch",
        "0",
        "--master",
        "local[1]");
    assertThat(base.resolve("r-usage")).doesNotExist();
  }

  @Test
  void unusableLocationsAndSizesAreRefusedBeforeAnyWork() throws Exception {
    refused(
        1,
        "/proc/ebv-test/w.ebv: not writable",
        "generate",
        "-n",
        "3",
        "-d",
        "8",
        "-a",
        "0.01",
        "--no-spark",
        "-o",
        "/proc/ebv-test/w.ebv");
    refused(
        1,
        "GB of off-heap memory for W and its working copies",
        "generate",
        "-n",
        "10000000",
        "-d",
        "10000",
        "-a",
        "0.5",
        "--no-spark",
        "-o",
        path("huge.ebv"));
    // A truncated Fashion-MNIST file is named, not a bare "Unexpected end of ZLIB input stream".
    Path fm = base.resolve("fm");
    Files.createDirectories(fm);
    for (String prefix : List.of("train", "t10k")) {
      writeIdx(fm.resolve(prefix + "-labels-idx1-ubyte.gz"), 2049, 100, 1, false);
      writeIdx(fm.resolve(prefix + "-images-idx3-ubyte.gz"), 2051, 100, 784, true);
    }
    refused(
        1,
        fm.resolve("train-images-idx3-ubyte.gz") + ": truncated or corrupt at item",
        "prepare",
        "fashion-mnist",
        "--input",
        fm.toString(),
        "-o",
        path("fm-table"),
        "--master",
        "local[1]");
    assertThat(base.resolve("fm-table")).doesNotExist();
  }

  /** An IDX file declaring {@code count} items of {@code size} bytes, cut short if asked. */
  private static void writeIdx(Path file, int magic, int count, int size, boolean truncate)
      throws IOException {
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      java.nio.ByteBuffer header = java.nio.ByteBuffer.allocate(magic == 2051 ? 16 : 8);
      header.putInt(magic).putInt(count);
      if (magic == 2051) {
        header.putInt(28).putInt(28);
      }
      out.write(header.array());
      out.write(new byte[(truncate ? count / 2 : count) * size]);
    }
    if (truncate) { // and cut the gzip stream itself short
      byte[] b = Files.readAllBytes(file);
      Files.write(file, java.util.Arrays.copyOf(b, b.length - 12));
    }
  }

  @Test
  void classNamesWithControlCharactersAreRefusedWithTheFolderNamed() throws Exception {
    Path root = base.resolve("imagenet");
    Files.createDirectories(root.resolve("train/n01\nbad"));
    Files.createDirectories(root.resolve("train/n02"));
    refused(
        1,
        "the class folder under file:"
            + root
            + "/train 'n01\\u000abad' contains the control"
            + " character U+000A",
        "prepare",
        "imagenet",
        "--input",
        root.toString(),
        "-o",
        path("in-table"),
        "--master",
        "local[1]");
    FileUtils.deleteDirectory(root.toFile());
  }

  // --- runs: resume honours the checkpoint, one writer at a time, the basis found by URI --------

  @Test
  void resumeRefusesWhatTheCheckpointCannotHonour() throws Exception {
    refused(
        1,
        "--resume cannot change --lr (the run has 0.1, this command 0.2)",
        train(unfinished, "--epochs", "2", "--resume", "--lr", "0.2"));
    refused(
        1,
        "--resume cannot change --backbone",
        train(unfinished, "--epochs", "2", "--resume", "--backbone", "resnet32"));
    refused(1, "--resume cannot change --epochs", train(unfinished, "--epochs", "3", "--resume"));
    refused(
        1,
        "--resume cannot change --random-erase (the run has 0.0, this command 0.5)",
        train(unfinished, "--epochs", "2", "--resume", "--random-erase", "0.5"));
    refused(
        1,
        "--resume cannot change --layers (the run has auto, this command dl4j)",
        train(unfinished, "--epochs", "2", "--resume", "--layers", "dl4j"));
  }

  @Test
  void aLiveLockRefusesASecondWriterAndAStaleOneIsTakenOver() throws Exception {
    Path run = base.resolve("locked");
    FileUtils.copyDirectory(new java.io.File(unfinished), run.toFile());
    Path lock = run.resolve("_LOCK");
    Files.writeString(lock, lockJson(Instant.now()));
    refused(
        1,
        run + ": locked by another ebv train (host elsewhere, pid 4242",
        train(run.toString(), "--epochs", "2", "--resume"));
    Files.writeString(lock, lockJson(Instant.now().minusSeconds(600)));
    ok(train(run.toString(), "--epochs", "2", "--resume"));
    assertThat(lock).doesNotExist(); // released when the run ended
    assertThat(run.resolve("_SUCCESS")).exists();
    FileUtils.deleteDirectory(run.toFile());
  }

  private static String lockJson(Instant heartbeat) {
    return "{\"host\":\"elsewhere\",\"pid\":4242,\"started\":\"2026-01-01T00:00:00Z\","
        + "\"heartbeat\":\""
        + heartbeat
        + "\"}";
  }

  @Test
  void aTruncatedCheckpointIsNamed() throws Exception {
    Path run = base.resolve("truncated");
    FileUtils.copyDirectory(new java.io.File(unfinished), run.toFile());
    Path model = run.resolve("checkpoints/epoch-0001-round-00000/model.zip");
    byte[] b = Files.readAllBytes(model);
    Files.write(model, java.util.Arrays.copyOf(b, b.length / 2));
    refused(
        1, model + ": unreadable checkpoint", train(run.toString(), "--epochs", "2", "--resume"));
    FileUtils.deleteDirectory(run.toFile());
  }

  @Test
  void evaluationFindsTheBasisByItsRecordedUriOrByEbv() throws Exception {
    Path run = base.resolve("finished");
    Path own = base.resolve("moving.ebv");
    Files.copy(Path.of(basis), own);
    ok(train(run.toString(), "--ebv", own.toString()));
    String config = Files.readString(run.resolve("config.json"));
    assertThat(config).contains("\"basisLocation\" : \"file:" + own + "\"");
    Path moved = base.resolve("moved.ebv");
    Files.move(own, moved);
    refused(
        1,
        run + ": its EBV basis file:" + own + " (sha256 ",
        "evaluate",
        "--run",
        run.toString(),
        "--data",
        table,
        "--master",
        "local[1]");
    refused(
        1,
        "is another basis (sha256 ",
        "evaluate",
        "--run",
        run.toString(),
        "--data",
        table,
        "--master",
        "local[1]",
        "--ebv",
        writeUnchecked("other.ebv", new float[][] {{1, 0}, {0, 1}, {-1, 0}}, 0));
    CliRun r =
        ok(
            "evaluate",
            "--run",
            run.toString(),
            "--data",
            table,
            "--master",
            "local[1]",
            "--ebv",
            moved.toString());
    assertThat(r.out()).contains("over 6 images");
    FileUtils.deleteDirectory(run.toFile());
    Files.delete(moved);
  }

  @Test
  void csvPathsThatLeaveTheImagesRootAreQuarantined() throws Exception {
    Path images = base.resolve("csv-images");
    Files.createDirectories(images);
    Path png = images.resolve("ok.png");
    Files.write(png, pngBytes());
    Files.write(base.resolve("outside.png"), pngBytes());
    Files.writeString(
        base.resolve("escape.csv"),
        "image_id,label\nok.png,0\n../outside.png,1\n/etc/hostname,1\n",
        StandardCharsets.UTF_8);
    String out = path("csv-table");
    ok(
        "prepare",
        "csv",
        "--input",
        path("escape.csv"),
        "--images-root",
        images.toString(),
        "--classes",
        "2",
        "-o",
        out,
        "--master",
        "local[1]");
    String report = Files.readString(Path.of(out, "prep-report.json"));
    assertThat(report).contains("\"rejected\" : 2").contains("leaves --images-root");
    FileUtils.deleteDirectory(new java.io.File(out));
  }

  private static byte[] pngBytes() {
    try (var image =
        org.ebvspark.data.image.ImageCodec.fromPixels(new byte[16 * 16 * 3], 16, 16, 3)) {
      return org.ebvspark.data.image.ImageCodec.encodePng(image);
    }
  }
}
