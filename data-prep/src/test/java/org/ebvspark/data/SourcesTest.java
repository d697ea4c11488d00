package org.ebvspark.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.ebvspark.data.importer.CsvLayout;
import org.ebvspark.data.importer.Listing;
import org.ebvspark.data.importer.SyntheticImages;
import org.ebvspark.data.table.ImageSource;
import org.ebvspark.data.table.ImageTableWriter;
import org.ebvspark.testing.LocalSpark;
import org.ebvspark.testing.PlantedImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CSV, synthetic and long-tail sources. */
class SourcesTest {
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

  private PrepareImagesJob job(Path output) {
    return new PrepareImagesJob(
        spark.session(),
        new ImageTableWriter.Options(output.toString(), false, 7, 1 << 20, 1 << 16));
  }

  @Test
  void csvRowsWithBadLabelsAreRejectedByLine() throws Exception {
    Path images = Files.createDirectories(dir.resolve("images/sub"));
    Files.write(images.resolve("a.jpg"), PlantedImages.jpeg(10, 10, 1));
    Files.write(images.resolve("b.jpg"), PlantedImages.jpeg(10, 10, 2));
    Path csv = dir.resolve("train.csv");
    Files.writeString(
        csv,
        "image_id,label\nsub/a.jpg,0\nsub/b.jpg,2\nsub/a.jpg,3\nsub/b.jpg,cat\nsub/missing.jpg,1\n");
    Listing listing =
        CsvLayout.list(
            csv.toString(), dir.resolve("images").toString(), "train", 3, new Configuration());
    assertThat(listing.classes().ids()).containsExactly("0", "1", "2");
    List<String> reasons =
        listing.sources().stream().map(ImageSource::rejected).filter(r -> r != null).toList();
    assertThat(reasons)
        .containsExactly(
            "label 3 on line 4 is out of range [0, 3)",
            "label 'cat' on line 5 is not a class index");

    var summary =
        job(dir.resolve("table"))
            .csv(csv.toString(), dir.resolve("images").toString(), "train", 3, 0, 90);
    assertThat(summary.rows()).containsEntry("train", 2L);
    assertThat(summary.rejected()).isEqualTo(3); // two labels and the missing file
    assertThat(summary.rejectedByReason()).containsKey("unreadable");
  }

  @Test
  void syntheticClassesHaveDistinctPatternsAndDeterministicImages() throws Exception {
    Set<String> patterns = new HashSet<>();
    for (int c = 0; c < 5000; c++) {
      patterns.add(Arrays.toString(invokePattern(c)));
    }
    assertThat(patterns).hasSize(5000);
    assertThat(SyntheticImages.png(17, 32, 1, "train", 3))
        .isEqualTo(SyntheticImages.png(17, 32, 1, "train", 3));
    assertThat(SyntheticImages.png(17, 32, 1, "train", 3))
        .isNotEqualTo(SyntheticImages.png(17, 32, 1, "train", 4));

    var summary = job(dir.resolve("synthetic")).synthetic(6, 10, 3, 16);
    assertThat(summary.rows()).containsEntry("train", 60L).containsEntry("val", 18L);
    assertThat(summary.rejected()).isZero();
  }

  private static int[] invokePattern(int c) throws Exception {
    var m = SyntheticImages.class.getDeclaredMethod("pattern", int.class);
    m.setAccessible(true);
    return (int[]) m.invoke(null, c);
  }

  @Test
  void longTailKeepsTheProtocolsCountsAndTheWholeVal() throws Exception {
    assertThat(LongTail.counts(5, 20, 10)).containsExactly(20, 11, 6, 3, 2);
    assertThat(LongTail.counts(10, 6000, 100)[9]).isEqualTo(60);
    Path source = dir.resolve("balanced");
    job(source).synthetic(5, 20, 4, 8);
    Path tail = dir.resolve("tail");
    var summary = job(tail).longTail(source.toString(), 10);
    assertThat(summary.rows()).containsEntry("train", 42L).containsEntry("val", 20L);
    List<Row> counts =
        ImageTables.read(spark.session(), tail.toString(), "train")
            .groupBy("label")
            .count()
            .orderBy("label")
            .collectAsList();
    assertThat(counts.stream().map(r -> r.getLong(1)).toList())
        .containsExactly(20L, 11L, 6L, 3L, 2L);

    assertThatThrownBy(() -> job(dir.resolve("x")).longTail(source.toString(), 0.5))
        .hasMessage("--ratio must be at least 1, got 0.5");
    Files.delete(source.resolve("_SUCCESS"));
    assertThatThrownBy(() -> job(dir.resolve("y")).longTail(source.toString(), 10))
        .hasMessageContaining("incomplete image table");
  }

  @Test
  void longTailTableStoresItsClassesMixedFromFirstRowToLast() throws Exception {
    // The trainer's batches are runs of stored rows, so the stored order must not follow the
    // choice of rows: when both used one hash, the last third of this table held classes 0-4 only.
    Path source = dir.resolve("balanced");
    job(source).synthetic(10, 200, 1, 8);
    Path tail = dir.resolve("tail");
    job(tail).longTail(source.toString(), 10);
    List<Integer> stored = new ArrayList<>();
    try (var shards = Files.list(tail.resolve("train"))) {
      for (Path shard :
          shards.filter(p -> p.getFileName().toString().endsWith(".parquet")).sorted().toList()) {
        spark.session().read().parquet(shard.toString()).select("label").collectAsList().stream()
            .map(r -> r.getInt(0))
            .forEach(stored::add);
      }
    }
    assertThat(stored).hasSize(812);
    Set<Integer> lastThird = new HashSet<>(stored.subList(2 * stored.size() / 3, stored.size()));
    Set<Integer> firstThird = new HashSet<>(stored.subList(0, stored.size() / 3));
    assertThat(lastThird).hasSizeGreaterThanOrEqualTo(9);
    assertThat(firstThird).hasSizeGreaterThanOrEqualTo(9);
    LongTail.requireOrderIndependent(tail.toString(), new Configuration()); // trains
  }
}
