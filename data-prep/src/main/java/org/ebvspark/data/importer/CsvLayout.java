package org.ebvspark.data.importer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.ebvspark.data.table.ClassList;
import org.ebvspark.data.table.ImageSource;
import org.ebvspark.model.io.Locations;

/**
 * The CSV layout of the EBV reference code: one image per line, {@code image_id,label}, where
 * image_id is a path relative to the images root and label a class index. A header line (whose
 * label field is not a number) is skipped. Classes are 0 .. C-1, named by their index; C is {@code
 * --classes} when given, else one more than the largest label. A label that is not an integer in
 * [0, C) rejects its row with the reason.
 */
public final class CsvLayout {
  private CsvLayout() {}

  public static Listing list(
      String csv, String imagesRoot, String split, Integer classCount, Configuration conf)
      throws IOException {
    record Line(int number, String imageId, String label) {}
    List<Line> lines = new ArrayList<>();
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(Locations.open(csv, conf), StandardCharsets.UTF_8))) {
      String text;
      int number = 0;
      while ((text = in.readLine()) != null) {
        number++;
        if (text.isBlank()) {
          continue;
        }
        String[] fields = text.split(",", -1);
        if (fields.length < 2) {
          throw new IOException(csv + ": line " + number + " is not 'image_id,label': " + text);
        }
        if (number == 1 && !fields[1].strip().matches("-?\\d+")) {
          continue; // header
        }
        lines.add(new Line(number, fields[0].strip(), fields[1].strip()));
      }
    }
    int classes =
        classCount != null
            ? classCount
            : lines.stream()
                    .map(Line::label)
                    .filter(l -> l.matches("\\d{1,9}"))
                    .mapToInt(Integer::parseInt)
                    .max()
                    .orElse(-1)
                + 1;
    if (classes < 1) {
      throw new IOException(csv + ": no row has a valid label");
    }
    ClassList list =
        new ClassList(IntStream.range(0, classes).mapToObj(Integer::toString).toList());
    String root = imagesRoot.replaceAll("/+$", "");
    List<ImageSource> sources = new ArrayList<>();
    for (Line l : lines) {
      String path = root + "/" + l.imageId();
      if (escapesRoot(l.imageId())) {
        // Never read outside --images-root: the row is quarantined, not followed.
        sources.add(
            ImageSource.rejected(
                l.imageId(),
                null,
                split,
                "image_id on line " + l.number() + " leaves --images-root (absolute or '..')"));
        continue;
      }
      if (!l.label().matches("-?\\d{1,9}")) {
        sources.add(
            ImageSource.rejected(
                path,
                null,
                split,
                "label '" + l.label() + "' on line " + l.number() + " is not a class index"));
        continue;
      }
      int label = Integer.parseInt(l.label());
      if (label < 0 || label >= classes) {
        sources.add(
            ImageSource.rejected(
                path,
                null,
                split,
                "label "
                    + label
                    + " on line "
                    + l.number()
                    + " is out of range [0, "
                    + classes
                    + ")"));
        continue;
      }
      sources.add(ImageSource.of(path, list.id(label), label, split));
    }
    return new Listing(list, sources);
  }

  /** Whether an image_id is absolute, a URI, or climbs out of the root with "..". */
  static boolean escapesRoot(String imageId) {
    if (imageId.startsWith("/") || imageId.startsWith("\\") || imageId.contains("://")) {
      return true;
    }
    for (String part : imageId.split("[/\\\\]")) {
      if (part.equals("..")) {
        return true;
      }
    }
    return false;
  }
}
