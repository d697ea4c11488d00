package org.ebvspark.cli;

import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.ebvspark.model.Provenance;
import org.ebvspark.model.ebv.BasisCheck;
import org.ebvspark.model.ebv.CoherenceCertifier;
import org.ebvspark.model.ebv.CoherenceStats;
import org.ebvspark.model.ebv.EbvBasis;
import org.ebvspark.model.ebv.EbvFile;
import org.ebvspark.model.ebv.EbvHeader;
import org.ebvspark.model.ebv.EbvProvenance;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ebv inspect}: shape, provenance, checksum verification and coherence of an EBV file. */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = {
      "Show an EBV file: shape, provenance, checksum (verified) and coherence statistics,"
          + " recomputed from the data unless --no-certify."
    })
final class InspectCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  private java.io.PrintWriter out() {
    return spec.commandLine().getOut();
  }

  private java.io.PrintWriter err() {
    return spec.commandLine().getErr();
  }

  @Parameters(index = "0", description = "The EBV file (path or URI).")
  String location;

  @Option(
      names = "--no-certify",
      description = "Show the recorded statistics instead of recomputing them (O(N^2 d)).")
  boolean noCertify;

  @Option(names = "--json", description = "Print one JSON object instead of text.")
  boolean json;

  /** The JSON form of an inspection. */
  record Inspection(
      String file,
      EbvHeader header,
      String checksum,
      boolean checksumVerified,
      EbvProvenance provenance,
      CoherenceStats coherence,
      boolean coherenceRecomputed) {}

  @Override
  public Integer call() throws Exception {
    EbvBasis basis = EbvFile.read(location, new Configuration());
    EbvHeader h = basis.header();
    CoherenceStats stats =
        noCertify
            ? basis.provenance().coherence()
            : CoherenceCertifier.certify(basis.matrix(), rows -> progress(rows, h.classes()));
    if (json) {
      out()
          .println(
              Provenance.json()
                  .writeValueAsString(
                      new Inspection(
                          location, h, h.checksum(), true, basis.provenance(), stats, !noCertify)));
      return verdict(basis, stats);
    }
    printText(h, basis.provenance(), stats);
    return verdict(basis, stats);
  }

  /**
   * Exit 1, with the reason on stderr, when the data is not a usable basis or does not hold what
   * its header claims.
   */
  private int verdict(EbvBasis basis, CoherenceStats stats) {
    try {
      BasisCheck.verify(basis.matrix(), location);
    } catch (IllegalArgumentException e) {
      err().println(e.getMessage());
      return 1;
    }
    double claimed = basis.header().achievedAlpha();
    if (!noCertify && stats != null && stats.max() > claimed + 1e-6) {
      err()
          .printf(
              Locale.ROOT,
              "%s: the header claims max |cos| %.6f, but the data's is %.6f (rows %d, %d)%n",
              location,
              claimed,
              stats.max(),
              stats.maxRow(),
              stats.maxColumn());
      return 1;
    }
    return 0;
  }

  private long lastProgress = System.nanoTime();

  private void progress(long rows, long n) {
    long now = System.nanoTime();
    if ((now - lastProgress) / 1e9 > 5 && rows < n) {
      lastProgress = now;
      err().printf(Locale.ROOT, "certifying: %d of %d rows%n", rows, n);
    }
  }

  private void printText(EbvHeader h, EbvProvenance p, CoherenceStats c) {
    out().printf(Locale.ROOT, "file       %s%n", location);
    out()
        .printf(
            Locale.ROOT,
            "format     EBV v%d, float32, N = %d, d = %d (%d bytes of data)%n",
            h.formatVersion(),
            h.classes(),
            h.dim(),
            h.dataBytes());
    out().printf(Locale.ROOT, "checksum   sha256 %s (verified)%n", h.checksum());
    out()
        .printf(
            Locale.ROOT,
            "alpha      target %s, achieved %.6f when written%n",
            h.targetAlpha(),
            h.achievedAlpha());
    if (p.generator() != null) {
      EbvProvenance.GeneratorInfo g = p.generator();
      out()
          .printf(
              Locale.ROOT,
              "generated  mode %s, seed %d, lr %.3g, start %s, %d steps, %s on %s in %.1f s%n",
              g.mode(),
              g.seed(),
              g.learningRate(),
              g.start(),
              g.steps(),
              g.stopReason(),
              g.executor(),
              g.seconds());
      out().printf(Locale.ROOT, "           %s%n", g.message());
    } else {
      out().printf(Locale.ROOT, "source     %s%n", p.source());
    }
    out().printf(Locale.ROOT, "created    %s by %s%n", p.createdAt(), p.software());
    if (c == null) {
      out().println("coherence  none recorded");
      return;
    }
    out()
        .printf(
            Locale.ROOT,
            "coherence  %s over %d pairs: max %.6f (rows %d, %d), mean %.6f,"
                + " p50 %.5f, p90 %.5f, p99 %.5f, p99.9 %.5f%n",
            noCertify ? "recorded" : "recomputed",
            c.pairs(),
            c.max(),
            c.maxRow(),
            c.maxColumn(),
            c.mean(),
            c.p50(),
            c.p90(),
            c.p99(),
            c.p999());
    out()
        .printf(
            Locale.ROOT,
            "bounds     Welch %.6f (max/Welch %.3f); %s %.6f; row norms within %.1e of 1%n",
            c.welchBound(),
            c.welchRatio(),
            c.lowerBoundName(),
            c.lowerBound(),
            c.maxNormError());
    long top = c.histogramCounts().stream().mapToLong(Long::longValue).max().orElse(1);
    out().println("histogram  |cos| range        pairs");
    for (int b = 0; b < c.histogramCounts().size(); b++) {
      long count = c.histogramCounts().get(b);
      if (count == 0) {
        continue;
      }
      int bar = (int) Math.max(1, Math.round(40.0 * count / Math.max(1, top)));
      out()
          .printf(
              Locale.ROOT,
              "           [%.3f, %.3f) %12d %s%n",
              c.histogramEdges().get(b),
              c.histogramEdges().get(b + 1),
              count,
              "#".repeat(bar));
    }
  }
}
