package org.ebvspark.data.importer;

import java.io.BufferedReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.ebvspark.data.table.ClassList;
import org.ebvspark.data.table.ImageSource;
import org.ebvspark.data.table.ImageTable;
import org.ebvspark.model.io.Locations;

/**
 * The standard ImageNet layout: {@code ROOT/train/<class>/<files>}, and {@code ROOT/val} either as
 * class folders or flat, with a labels file. Classes are the train folder names, sorted. Every file
 * is an input (nothing is filtered by extension: a file that is not an image is rejected with the
 * reason, not dropped); a folder that cannot be listed is recorded as rejected too.
 *
 * <p>A val labels file has one image per line, {@code name,class} (the name with or without its
 * extension), or is ImageNet's LOC_val_solution.csv ({@code ImageId,PredictionString}, the class is
 * the first word of the prediction string). A header line is skipped.
 */
public final class ImageFolderLayout {
  private ImageFolderLayout() {}

  public static Listing list(String root, String valLabels, Configuration conf) throws IOException {
    Path base = Locations.path(root);
    FileSystem fs = Locations.fileSystem(base, conf);
    Path train = new Path(base, ImageTable.TRAIN);
    if (!fs.exists(train) || !fs.getFileStatus(train).isDirectory()) {
      throw new FileNotFoundException(
          root + ": no train/ folder (expected ROOT/train/<class>/...)");
    }
    List<ImageSource> sources = new ArrayList<>();
    List<FileStatus> classDirs = new ArrayList<>();
    for (FileStatus s : sorted(children(fs, train))) {
      if (s.isDirectory()) {
        classDirs.add(s);
      } else {
        sources.add(
            ImageSource.rejected(
                s.getPath().toString(), null, ImageTable.TRAIN, "not in a class folder"));
      }
    }
    if (classDirs.isEmpty()) {
      throw new IOException(root + ": train/ has no class folders");
    }
    for (FileStatus dir : classDirs) {
      ClassList.requireClean(dir.getPath().getName(), "the class folder under " + base + "/train");
    }
    ClassList classes =
        ClassList.sorted(classDirs.stream().map(s -> s.getPath().getName()).toList());
    for (FileStatus dir : classDirs) {
      String id = dir.getPath().getName();
      addFolder(fs, dir.getPath(), id, classes.indexOf(id), ImageTable.TRAIN, sources);
    }
    Path val = new Path(base, ImageTable.VAL);
    if (fs.exists(val)) {
      FileStatus[] entries = sorted(children(fs, val));
      boolean folders = Arrays.stream(entries).anyMatch(FileStatus::isDirectory);
      if (folders) {
        for (FileStatus s : entries) {
          String id = s.getPath().getName();
          if (!s.isDirectory()) {
            sources.add(
                ImageSource.rejected(
                    s.getPath().toString(), null, ImageTable.VAL, "not in a class folder"));
          } else if (classes.indexOf(id) < 0) {
            sources.add(
                ImageSource.rejected(
                    s.getPath().toString(),
                    id,
                    ImageTable.VAL,
                    "class folder not in train: " + id));
          } else {
            addFolder(fs, s.getPath(), id, classes.indexOf(id), ImageTable.VAL, sources);
          }
        }
      } else {
        if (valLabels == null) {
          throw new IllegalArgumentException(
              root + ": val/ is flat; give its labels with --val-labels FILE");
        }
        Map<String, String> labels = readValLabels(valLabels, conf);
        for (FileStatus s : entries) {
          String name = s.getPath().getName();
          String id = labels.getOrDefault(name, labels.get(stripExtension(name)));
          String path = s.getPath().toString();
          if (id == null) {
            sources.add(
                ImageSource.rejected(path, null, ImageTable.VAL, "no label in " + valLabels));
          } else if (classes.indexOf(id) < 0) {
            sources.add(
                ImageSource.rejected(path, id, ImageTable.VAL, "class not in train: " + id));
          } else {
            sources.add(ImageSource.of(path, id, classes.indexOf(id), ImageTable.VAL));
          }
        }
      }
    }
    return new Listing(classes, sources);
  }

  private static void addFolder(
      FileSystem fs, Path dir, String classId, int label, String split, List<ImageSource> out) {
    FileStatus[] files;
    try {
      files = sorted(children(fs, dir));
    } catch (IOException e) {
      out.add(
          ImageSource.rejected(
              dir.toString(), classId, split, "unreadable folder: " + e.getMessage()));
      return;
    }
    for (FileStatus f : files) {
      String path = f.getPath().toString();
      if (f.isDirectory()) {
        out.add(ImageSource.rejected(path, classId, split, "a folder inside a class folder"));
      } else {
        out.add(ImageSource.of(path, classId, label, split));
      }
    }
  }

  static Map<String, String> readValLabels(String location, Configuration conf) throws IOException {
    Map<String, String> labels = new HashMap<>();
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(Locations.open(location, conf), StandardCharsets.UTF_8))) {
      String line;
      int number = 0;
      while ((line = in.readLine()) != null) {
        number++;
        line = line.strip();
        if (line.isEmpty()) {
          continue;
        }
        String[] fields = line.split(",", 2);
        if (fields.length < 2) {
          throw new IOException(location + ": line " + number + " is not 'name,class'");
        }
        String name = fields[0].strip();
        String value = fields[1].strip().split("\\s+")[0];
        if (number == 1 && (name.equalsIgnoreCase("ImageId") || name.equalsIgnoreCase("name"))) {
          continue; // header
        }
        labels.put(name, value);
      }
    }
    return labels;
  }

  private static String stripExtension(String name) {
    int dot = name.lastIndexOf('.');
    return dot > 0 ? name.substring(0, dot) : name;
  }

  /**
   * The entries of a folder. Hadoop's local file system leaves out entries it cannot stat (a broken
   * link), which would drop them silently; locally the names come from the OS instead, and an entry
   * that cannot be stat'ed is kept as a file, so that reading it rejects it by name.
   */
  private static FileStatus[] children(FileSystem fs, Path dir) throws IOException {
    if (!"file".equals(fs.getUri().getScheme())) {
      return fs.listStatus(dir);
    }
    List<FileStatus> out = new ArrayList<>();
    try (var names = java.nio.file.Files.list(java.nio.file.Path.of(dir.toUri().getPath()))) {
      for (java.nio.file.Path p : names.toList()) {
        Path child = new Path(dir, p.getFileName().toString());
        try {
          out.add(fs.getFileStatus(child));
        } catch (FileNotFoundException e) {
          out.add(new FileStatus(0, false, 0, 0, 0, child));
        }
      }
    }
    return out.toArray(new FileStatus[0]);
  }

  private static FileStatus[] sorted(FileStatus[] entries) {
    Arrays.sort(entries, Comparator.comparing(s -> s.getPath().getName()));
    return entries;
  }
}
