package org.ebvspark.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.ebvspark.data.table.ImageTableWriter;
import org.ebvspark.model.Provenance;
import org.ebvspark.testing.LocalSpark;
import org.ebvspark.testing.PlantedImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrepareImagenetTest {
  private static LocalSpark spark;
  @TempDir Path dir;

  @BeforeAll
  static void start() {
    spark = LocalSpark.start();
  }

  @AfterAll
  static void stop() {
    spark.close();
  }

  private PrepareImagesJob job(Path output, boolean overwrite) {
    return new PrepareImagesJob(
        spark.session(),
        new ImageTableWriter.Options(output.toString(), overwrite, 42, 1 << 20, 1 << 16));
  }

  /** The planted set: every bad input is either decoded correctly or rejected with its reason. */
  @Test
  void plantedBadInputsAreDecodedOrRejectedNeverDropped() throws Exception {
    Path source = dir.resolve("imagenet");
    PlantedImages.imagenetTree(source);
    Path table = dir.resolve("table");
    ImageTableWriter.Summary summary = job(table, false).imagenet(source.toString(), null, 0, 90);

    assertThat(Files.readAllLines(table.resolve("classes.txt")))
        .containsExactly("n01", "n02", "n03");
    // 12 good train files, plus the PNG named .JPEG, the CMYK and the grayscale JPEGs.
    assertThat(summary.rows()).containsEntry("train", 15L).containsEntry("val", 6L);
    assertThat(summary.rejected()).isEqualTo(4);
    assertThat(summary.rejectedByReason())
        .containsOnlyKeys("empty file", "truncated jpeg", "not a JPEG or PNG image", "unreadable");

    List<Row> rejected =
        spark.session().read().parquet(table.resolve("rejected").toString()).collectAsList();
    Map<String, String> reasons =
        rejected.stream()
            .collect(
                Collectors.toMap(
                    r -> Path.of(r.getString(0).replace("file:", "")).getFileName().toString(),
                    r -> r.getString(3)));
    assertThat(reasons.get("empty.JPEG")).isEqualTo("empty file");
    assertThat(reasons.get("truncated.JPEG")).startsWith("truncated jpeg");
    assertThat(reasons.get("notes.JPEG")).startsWith("not a JPEG or PNG image");
    assertThat(reasons.get("dangling.JPEG")).startsWith("unreadable:");

    List<Row> train = ImageTables.read(spark.session(), table.toString(), "train").collectAsList();
    Row png =
        train.stream()
            .filter(r -> r.getString(3).endsWith("really_a_png.JPEG"))
            .findFirst()
            .orElseThrow();
    assertThat(png.getString(5)).isEqualTo("png");
    assertThat(png.getInt(1)).isEqualTo(1); // n02
    Row cmyk =
        train.stream().filter(r -> r.getString(3).endsWith("cmyk.JPEG")).findFirst().orElseThrow();
    assertThat(cmyk.getInt(6)).isEqualTo(24);
    // Bytes are stored as they were read.
    Row first =
        train.stream().filter(r -> r.getString(3).endsWith("n01_0.JPEG")).findFirst().orElseThrow();
    assertThat((byte[]) first.get(0))
        .isEqualTo(Files.readAllBytes(source.resolve("train/n01/n01_0.JPEG")));
    // Shuffled: the stored order is not the class order.
    List<Integer> labels = train.stream().map(r -> r.getInt(1)).toList();
    assertThat(labels).isNotEqualTo(labels.stream().sorted().toList());

    JsonNode report = Provenance.json().readTree(table.resolve("prep-report.json").toFile());
    assertThat(report.at("/rows/train").asLong()).isEqualTo(15);
    assertThat(report.at("/rowsPerClass/val/n03").asLong()).isEqualTo(2);
    assertThat(report.at("/rejectedByReason/empty file").asLong()).isEqualTo(1);
    assertThat(Files.exists(table.resolve("_SUCCESS"))).isTrue();
    try (var siblings = Files.list(dir)) {
      assertThat(siblings.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("imagenet", "table");
    }
  }

  @Test
  void theSameSeedWritesTheSameOrderAndAnExistingTableIsKept() throws Exception {
    Path source = dir.resolve("imagenet");
    PlantedImages.imagenetTree(source);
    Path a = dir.resolve("a");
    job(a, false).imagenet(source.toString(), null, 0, 90);
    Path b = dir.resolve("b");
    job(b, false).imagenet(source.toString(), null, 0, 90);
    List<String> orderA = paths(a);
    assertThat(orderA).isEqualTo(paths(b));

    assertThatThrownBy(() -> job(a, false).imagenet(source.toString(), null, 0, 90))
        .hasMessage(a + ": already exists (use --overwrite to replace it)");
    job(a, true).imagenet(source.toString(), null, 32, 90);
    List<Row> resized = ImageTables.read(spark.session(), a.toString(), "train").collectAsList();
    assertThat(resized)
        .allSatisfy(r -> assertThat(Math.min(r.getInt(6), r.getInt(7))).isLessThanOrEqualTo(32));
  }

  private List<String> paths(Path table) {
    return ImageTables.read(spark.session(), table.toString(), "train").collectAsList().stream()
        .map(r -> r.getString(3))
        .toList();
  }

  @Test
  void aFlatValFolderTakesItsLabelsFromAFile() throws Exception {
    Path source = dir.resolve("imagenet");
    PlantedImages.imagenetTree(source);
    Path val = source.resolve("val");
    StringBuilder labels = new StringBuilder("ImageId,PredictionString\n");
    for (String c : new String[] {"n01", "n02", "n03"}) {
      try (var files = Files.list(val.resolve(c))) {
        for (Path f : files.toList()) {
          Files.move(f, val.resolve(f.getFileName()));
          String id = f.getFileName().toString().replace(".JPEG", "");
          labels.append(id).append(',').append(c).append(" 1 2 3 4\n");
        }
      }
      Files.delete(val.resolve(c));
    }
    Files.write(val.resolve("stray.JPEG"), PlantedImages.jpeg(8, 8, 9));
    Path labelFile = dir.resolve("LOC_val_solution.csv");
    Files.writeString(labelFile, labels);
    ImageTableWriter.Summary s =
        job(dir.resolve("t"), false).imagenet(source.toString(), labelFile.toString(), 0, 90);
    assertThat(s.rows()).containsEntry("val", 6L);
    assertThat(s.rejectedByReason()).containsKey("no label in " + labelFile);
  }
}
