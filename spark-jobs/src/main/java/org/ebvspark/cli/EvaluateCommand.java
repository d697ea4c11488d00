package org.ebvspark.cli;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.ebvspark.jobs.evaluate.EvaluateJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ebv evaluate}: a trained run on a split, distributed. */
@Command(
    name = "evaluate",
    mixinStandardHelpOptions = true,
    description = {
      "Evaluate a trained run on a split of an image table on the executors: top-1, top-5, loss,",
      "per-class accuracy and throughput into RUN/report.json, top-5 predictions into RUN/predictions-SPLIT."
    })
final class EvaluateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--run", required = true, description = "The run directory of ebv train.")
  String run;

  @Option(names = "--data", required = true, description = "The image table.")
  String data;

  @Option(
      names = "--ebv",
      description =
          "Where the run's EBV basis is now, if it moved (its checksum must be the one trained"
              + " with).")
  String ebv;

  @Option(names = "--split", defaultValue = "val", description = "Default: ${DEFAULT-VALUE}.")
  String split;

  @Option(
      names = "--batch",
      defaultValue = "256",
      description = "Images per evaluation batch. Default: ${DEFAULT-VALUE}.")
  int batch;

  @Option(
      names = "--report",
      description = "Then write the run's HTML report (ebv report) into RUN/report.")
  boolean report;

  @Mixin SparkOptions sparkOptions;

  @Override
  public Integer call() throws Exception {
    boolean existing = SparkSession.getDefaultSession().isDefined();
    SparkSession spark = sparkOptions.session("ebv evaluate");
    try (var tasks =
        org.ebvspark.jobs.SparkTaskProgress.attach(
            spark, "evaluate", spec.commandLine().getErr())) {
      EvaluateJob.Result r = new EvaluateJob(spark, run, data, split, batch, ebv).execute();
      spec.commandLine()
          .getOut()
          .printf(
              Locale.ROOT,
              "%s on %s %s: top-1 %.4f, top-5 %.4f, loss %.4f over %d images (%.1f images/s); predictions in %s%n",
              run,
              data,
              split,
              r.evaluation().top1(),
              r.evaluation().top5(),
              r.evaluation().loss(),
              r.evaluation().total(),
              r.imagesPerSecond(),
              r.predictions());
      if (report) {
        ReportCommand.print(
            spec,
            new org.ebvspark.jobs.report.ReportJob(spark, List.of(run), null, split).execute());
      }
      return 0;
    } finally {
      if (!existing) {
        spark.stop();
      }
    }
  }
}
