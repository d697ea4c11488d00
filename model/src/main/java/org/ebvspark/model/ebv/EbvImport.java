package org.ebvspark.model.ebv;

import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.ebvspark.model.Provenance;
import org.ebvspark.model.io.Locations;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Conversions between EBV files and NumPy .npy files. */
public final class EbvImport {
  /** Rows further than this from unit length are refused: EBVs are unit vectors. */
  private EbvImport() {}

  /** Writes the matrix of an EBV file as a float32 .npy file. */
  public static void toNpy(String ebv, String npy, boolean overwrite, Configuration conf)
      throws IOException {
    NpyFormat.write(EbvFile.read(ebv, conf).matrix(), npy, overwrite, conf);
  }

  /**
   * Reads a .npy matrix, checks that its rows are unit vectors, certifies it, and writes an EBV
   * file whose provenance names the source file and its SHA-256.
   */
  public static EbvHeader fromNpy(String npy, String ebv, boolean overwrite, Configuration conf)
      throws IOException {
    INDArray w = NpyFormat.read(npy, conf);
    BasisCheck.verify(w, npy);
    CoherenceStats stats = CoherenceCertifier.certify(w, rows -> {});
    BasisCheck.refuseParallel(stats, npy);
    EbvProvenance provenance =
        new EbvProvenance(
            "imported from " + npy + " (sha256 " + Locations.sha256(npy, conf) + ")",
            null,
            stats,
            Provenance.software(),
            Provenance.now());
    return EbvFile.write(w, stats.max(), stats.max(), 0, provenance, ebv, overwrite, conf);
  }
}
