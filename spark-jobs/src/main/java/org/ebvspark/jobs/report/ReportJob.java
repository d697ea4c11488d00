package org.ebvspark.jobs.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.ebvspark.model.Provenance;
import org.ebvspark.model.io.Locations;
import org.ebvspark.model.io.OwnedOutput;
import org.ebvspark.model.nn.Backbone;
import org.ebvspark.model.nn.Networks;

/**
 * {@code ebv report}: a run (and any runs to compare it with) drawn as one self-contained HTML
 * page, with the JSON it was drawn from and each chart as an SVG file:
 *
 * <pre>
 * OUTPUT/index.html         the page (inline CSS and SVG, no script, no request)
 * OUTPUT/report-data.json   every number on the page
 * OUTPUT/charts/NAME.svg    each chart
 * OUTPUT/_EBV_OUTPUT        marks the folder as a report (what a later report may replace)
 * </pre>
 *
 * The folder is written beside its target and renamed into place. The predictions table is
 * aggregated on the executors (confused pairs, calibration), the rest read on the driver.
 */
public final class ReportJob {
  public static final String PAGE = "index.html";
  public static final String DATA = "report-data.json";

  /** Confused pairs listed. */
  static final int PAIRS = 20;

  /** What was written. */
  public record Result(String output, String page, List<String> missing) {}

  private final SparkSession spark;
  private final List<String> runs;
  private final String output;
  private final String split;

  /**
   * @param runs the subject first, then the runs to compare it with
   * @param output the report folder (null: RUN/report of the first run)
   */
  public ReportJob(SparkSession spark, List<String> runs, String output, String split) {
    if (runs.isEmpty()) {
      throw new IllegalArgumentException("no run to report on");
    }
    this.spark = spark;
    this.runs = runs.stream().map(r -> r.replaceAll("/+$", "")).toList();
    this.output = (output == null ? this.runs.get(0) + "/report" : output).replaceAll("/+$", "");
    this.split = split;
  }

  public Result execute() throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    refuseOverRuns(conf);
    Locations.requireWritable(output, conf);
    OwnedOutput.checkReplaceable(output, OwnedOutput.Kind.REPORT, true, null, conf);
    List<RunRecords> records = new ArrayList<>();
    for (String run : runs) {
      records.add(RunRecords.read(run, conf));
    }
    int compareDim = 0;
    for (RunRecords r : records) {
      if (r.config() != null && "EBV".equals(r.config().path("head").path("kind").asText())) {
        compareDim = r.config().path("head").path("dim").asInt();
        break;
      }
    }
    List<Object> summaries = new ArrayList<>();
    List<String> allMissing = new ArrayList<>();
    for (RunRecords r : records) {
      List<String> missing = new ArrayList<>(r.missing());
      Map<String, Object> summary =
          RunSummary.build(
              r,
              split,
              predictions(r, missing, conf),
              geometry(r, missing, conf),
              headCost(r, compareDim, missing),
              missing);
      summaries.add(summary);
      missing.forEach(line -> allMissing.add(r.location() + ": " + line));
    }
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("createdAt", Provenance.now());
    data.put("split", split);
    data.put("runs", summaries);
    JsonNode tree = Provenance.json().valueToTree(data);
    ReportPage page = new ReportPage(tree);
    String html = page.html();
    write(tree, html, page.charts(), conf);
    return new Result(output, output + "/" + PAGE, allMissing);
  }

  private PredictionAnalysis.Result predictions(
      RunRecords r, List<String> missing, Configuration conf) {
    JsonNode e = r.evaluation(split);
    String location =
        e != null && e.hasNonNull("predictions")
            ? e.get("predictions").asText()
            : r.location() + "/predictions-" + split;
    if (!Locations.exists(location, conf)) {
      missing.add(
          "no predictions table "
              + location
              + " (run ebv evaluate for confused pairs and calibration)");
      return null;
    }
    try {
      return PredictionAnalysis.analyse(spark, location, PAIRS);
    } catch (RuntimeException ex) {
      missing.add(location + ": unreadable predictions (" + RunRecords.firstLine(ex) + ")");
      return null;
    }
  }

  private static BasisGeometry geometry(RunRecords r, List<String> missing, Configuration conf) {
    JsonNode head = r.config() == null ? null : r.config().path("head");
    if (head == null || !"EBV".equals(head.path("kind").asText())) {
      return null;
    }
    String basis = head.path("basisLocation").asText(null);
    if (basis == null || !Locations.exists(basis, conf)) {
      missing.add("the EBV basis " + basis + " is not there (moved?): no geometry");
      return null;
    }
    return BasisGeometry.read(basis, conf, missing);
  }

  private static Map<String, Object> headCost(RunRecords r, int compareDim, List<String> missing) {
    JsonNode c = r.config();
    if (c == null) {
      return null;
    }
    try {
      Backbone backbone = Backbone.valueOf(c.path("request").path("backbone").asText());
      JsonNode s = c.path("inputShape");
      Networks.ImageShape shape =
          new Networks.ImageShape(
              s.path("channels").asInt(), s.path("height").asInt(), s.path("width").asInt());
      int dim =
          "EBV".equals(c.path("head").path("kind").asText())
              ? c.path("head").path("dim").asInt()
              : compareDim;
      int copies =
          "adamw".equalsIgnoreCase(c.path("request").path("recipe").path("optimizer").asText())
              ? 2
              : 1;
      return HeadCost.compare(backbone, shape, c.path("classes").asLong(), dim, copies);
    } catch (RuntimeException e) {
      missing.add("head cost not computed (" + RunRecords.firstLine(e) + ")");
      return null;
    }
  }

  /** The report must not be, or contain, a run it reads (replacing it would delete the run). */
  private void refuseOverRuns(Configuration conf) {
    Path out = new Path(Locations.qualified(output, conf));
    for (String run : runs) {
      Path in = new Path(Locations.qualified(run, conf));
      for (Path p = in; p != null; p = p.getParent()) {
        if (p.equals(out)) {
          throw new IllegalArgumentException(
              output + ": the report folder would contain the run " + run + "; choose another");
        }
      }
    }
  }

  private void write(
      JsonNode data, String html, List<ReportCharts.Chart> charts, Configuration conf)
      throws IOException {
    Path target = Locations.path(output);
    FileSystem fs = Locations.fileSystem(target, conf);
    Path parent = target.getParent();
    fs.mkdirs(parent);
    Path tmp = new Path(parent, "." + target.getName() + ".tmp-" + UUID.randomUUID());
    try {
      fs.mkdirs(tmp);
      OwnedOutput.mark(tmp.toString(), OwnedOutput.Kind.REPORT, conf);
      writeFile(fs, new Path(tmp, PAGE), html.getBytes(StandardCharsets.UTF_8));
      writeFile(fs, new Path(tmp, DATA), Provenance.json().writeValueAsBytes(data));
      for (ReportCharts.Chart c : charts) {
        String svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + c.svg() + "\n";
        writeFile(
            fs, new Path(tmp, "charts/" + c.name() + ".svg"), svg.getBytes(StandardCharsets.UTF_8));
      }
      if (fs.exists(target)) {
        // checked at the start: a report of ours, which this one replaces
        OwnedOutput.checkReplaceable(output, OwnedOutput.Kind.REPORT, true, null, conf);
        fs.delete(target, true);
      }
      if (!fs.rename(tmp, target)) {
        throw new IOException(output + ": could not move the report into place");
      }
    } finally {
      if (fs.exists(tmp)) {
        fs.delete(tmp, true);
      }
    }
  }

  private static void writeFile(FileSystem fs, Path path, byte[] bytes) throws IOException {
    try (var out = fs.create(path, false)) {
      out.write(bytes);
    }
  }
}
