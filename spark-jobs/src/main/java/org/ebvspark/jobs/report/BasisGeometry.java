package org.ebvspark.jobs.report;

import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.ebvspark.model.ebv.CoherenceCertifier;
import org.ebvspark.model.ebv.CoherenceStats;
import org.ebvspark.model.ebv.EbvFile;
import org.ebvspark.model.ebv.EbvHeader;
import org.ebvspark.model.ebv.EbvProvenance;

/**
 * The geometry of a run's basis: the histogram of pairwise |cos| over all N (N - 1) / 2 pairs with
 * the target alpha, the achieved maximum and the Welch bound. The certificate written into the EBV
 * file at generation (computed there in row blocks, so it exists at 100,000 x 5,000) is used as it
 * is; a file without one is certified here in the same blocked way if it is small enough.
 *
 * @param source "the file's certificate" or "recomputed here"
 */
record BasisGeometry(
    String location,
    String checksum,
    long classes,
    int dim,
    double targetAlpha,
    CoherenceStats certificate,
    String source) {

  /** Above this many pairs, a file without a certificate is not certified again here. */
  static final long RECOMPUTE_PAIRS = 200_000_000L;

  static BasisGeometry read(String location, Configuration conf, List<String> missing) {
    EbvHeader header;
    try {
      header = EbvFile.readHeader(location, conf);
    } catch (Exception e) {
      missing.add(location + ": the basis is unreadable (" + RunRecords.firstLine(e) + ")");
      return null;
    }
    CoherenceStats stats = null;
    String source = "the file's certificate";
    try {
      EbvProvenance p = EbvFile.readProvenance(location, conf);
      stats = p == null ? null : p.coherence();
    } catch (Exception e) {
      missing.add(location + ": provenance unreadable (" + RunRecords.firstLine(e) + ")");
    }
    if (stats == null || stats.histogramCounts() == null || stats.histogramCounts().isEmpty()) {
      long pairs = header.classes() * (header.classes() - 1) / 2;
      if (pairs > RECOMPUTE_PAIRS) {
        missing.add(
            location
                + ": no certificate in the file, and "
                + pairs
                + " pairs are too many to certify inside the report (run ebv inspect)");
        stats = null;
      } else {
        try {
          stats = CoherenceCertifier.certify(EbvFile.read(location, conf).matrix(), rows -> {});
          source = "recomputed here";
        } catch (Exception e) {
          missing.add(location + ": could not be certified (" + RunRecords.firstLine(e) + ")");
        }
      }
    }
    return new BasisGeometry(
        location,
        header.checksum(),
        header.classes(),
        header.dim(),
        header.targetAlpha(),
        stats,
        source);
  }
}
