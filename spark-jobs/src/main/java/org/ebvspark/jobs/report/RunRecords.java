package org.ebvspark.jobs.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.ebvspark.data.table.ClassList;
import org.ebvspark.data.table.ImageTable;
import org.ebvspark.jobs.train.RunDirectory;
import org.ebvspark.model.Provenance;
import org.ebvspark.model.io.Locations;

/**
 * What a run directory holds, read as it is: each file may be missing or cut short (a run that is
 * still going, was killed, or was copied in part). What could not be read is listed in {@link
 * #missing()} in words, and the rest of the report is drawn without it.
 *
 * @param location the run directory
 * @param config config.json, or null
 * @param rounds the per-round records of metrics.jsonl, in order
 * @param epochs the per-epoch records of metrics.jsonl, in order
 * @param report report.json, or null
 * @param classes the class names of the run's table, or null
 * @param tablePrep the table's prep-report.json, or null
 * @param tablePrepSha256 SHA-256 of that file (the table's identity as the report can check it)
 * @param missing what could not be read, one sentence each
 */
record RunRecords(
    String location,
    JsonNode config,
    List<JsonNode> rounds,
    List<JsonNode> epochs,
    JsonNode report,
    ClassList classes,
    JsonNode tablePrep,
    String tablePrepSha256,
    List<String> missing) {

  static RunRecords read(String location, Configuration conf) {
    String run = location.replaceAll("/+$", "");
    List<String> missing = new ArrayList<>();
    if (!Locations.exists(run, conf)) {
      throw new IllegalArgumentException(run + ": no such run directory");
    }
    JsonNode config = readJson(run + "/" + RunDirectory.CONFIG, missing, conf);
    JsonNode report = readJson(run + "/" + RunDirectory.REPORT, missing, conf);
    List<JsonNode> rounds = new ArrayList<>();
    List<JsonNode> epochs = new ArrayList<>();
    readMetrics(run + "/" + RunDirectory.METRICS, rounds, epochs, missing, conf);
    String table = config == null ? null : config.path("request").path("table").asText(null);
    ClassList classes = null;
    JsonNode prep = null;
    String prepSha = null;
    if (table == null) {
      missing.add("the run's table is unknown (no config.json): classes are shown by index");
    } else {
      String classFile = table + "/" + ImageTable.CLASSES_FILE;
      try {
        classes = ClassList.read(classFile, conf);
      } catch (IOException | RuntimeException e) {
        missing.add(classFile + ": unreadable (" + firstLine(e) + "); classes are shown by index");
      }
      String prepFile = table + "/" + ImageTable.REPORT_FILE;
      prep = readJson(prepFile, missing, conf);
      if (prep != null) {
        try {
          prepSha = Locations.sha256(prepFile, conf);
        } catch (IOException e) {
          missing.add(prepFile + ": checksum failed (" + firstLine(e) + ")");
        }
      }
    }
    return new RunRecords(
        run, config, rounds, epochs, report, classes, prep, prepSha, List.copyOf(missing));
  }

  /** The last evaluation of {@code split} in report.json (ebv evaluate's, else training's). */
  JsonNode evaluation(String split) {
    if (report == null) {
      return null;
    }
    JsonNode e = report.path("evaluations").path(split);
    if (e.isObject()) {
      return e;
    }
    return split.equals(report.path("split").asText()) && report.has("top1") ? report : null;
  }

  String className(int index) {
    return classes != null && index >= 0 && index < classes.size()
        ? classes.id(index)
        : "class " + index;
  }

  private static JsonNode readJson(String location, List<String> missing, Configuration conf) {
    if (!Locations.exists(location, conf)) {
      missing.add(location + ": not there");
      return null;
    }
    try (InputStream in = Locations.open(location, conf)) {
      return Provenance.json().readTree(in);
    } catch (IOException | RuntimeException e) {
      missing.add(location + ": unreadable JSON (" + firstLine(e) + ")");
      return null;
    }
  }

  private static void readMetrics(
      String location,
      List<JsonNode> rounds,
      List<JsonNode> epochs,
      List<String> missing,
      Configuration conf) {
    if (!Locations.exists(location, conf)) {
      missing.add(location + ": not there (no training curves)");
      return;
    }
    int bad = 0;
    int line = 0;
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(Locations.open(location, conf), StandardCharsets.UTF_8))) {
      String text;
      while ((text = in.readLine()) != null) {
        line++;
        if (text.isBlank()) {
          continue;
        }
        JsonNode node;
        try {
          node = Provenance.json().readTree(text);
        } catch (IOException e) {
          bad++;
          continue;
        }
        if (node.has("round")) {
          rounds.add(node);
        } else if (node.has("epoch")) {
          epochs.add(node);
        }
      }
    } catch (IOException e) {
      missing.add(location + ": read failed after line " + line + " (" + firstLine(e) + ")");
    }
    if (bad > 0) {
      missing.add(
          location + ": " + bad + " of " + line + " lines unreadable (cut short?), skipped");
    }
    if (rounds.isEmpty() && epochs.isEmpty()) {
      missing.add(location + ": no round or epoch records");
    }
  }

  static String firstLine(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return m.lines().findFirst().orElse(m);
  }
}
