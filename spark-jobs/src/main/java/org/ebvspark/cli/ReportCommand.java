package org.ebvspark.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.ebvspark.jobs.report.ReportJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ebv report}: a run, and the runs it is compared with, as an HTML page. */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description = {
      "Write a self-contained HTML report of a run (training curves, per-class accuracy, confused",
      "pairs, calibration, EBV geometry, head cost, throughput, provenance) with its JSON and charts;",
      "--compare puts other runs beside it (e.g. FC against EBV on the same data)."
    })
final class ReportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--run", required = true, description = "The run directory to report on.")
  String run;

  @Option(
      names = "--compare",
      arity = "1..*",
      description = "Other run directories to compare with (repeatable).")
  List<String> compare = new ArrayList<>();

  @Option(
      names = "--output",
      description = "The report folder (default RUN/report; a previous report there is replaced).")
  String output;

  @Option(
      names = "--split",
      defaultValue = "val",
      description = "The evaluated split to report. Default: ${DEFAULT-VALUE}.")
  String split;

  @Mixin SparkOptions sparkOptions;

  @Override
  public Integer call() throws Exception {
    boolean existing = SparkSession.getDefaultSession().isDefined();
    SparkSession spark = sparkOptions.session("ebv report");
    try (var tasks =
        org.ebvspark.jobs.SparkTaskProgress.attach(spark, "report", spec.commandLine().getErr())) {
      List<String> runs = new ArrayList<>();
      runs.add(run);
      runs.addAll(compare);
      print(spec, new ReportJob(spark, runs, output, split).execute());
      return 0;
    } finally {
      if (!existing) {
        spark.stop();
      }
    }
  }

  static void print(CommandSpec spec, ReportJob.Result r) {
    var out = spec.commandLine().getOut();
    out.println("report written: " + r.page());
    if (!r.missing().isEmpty()) {
      out.println("not in the report (" + r.missing().size() + "):");
      r.missing().forEach(m -> out.println("  " + m));
    }
  }
}
