package org.ebvspark.model.ebv;

import java.util.HexFormat;

/**
 * The fixed fields at the start of an EBV file (see {@link EbvFile} for the layout).
 *
 * @param formatVersion the layout version
 * @param classes N, the number of rows
 * @param dim d, the number of columns
 * @param targetAlpha the alpha that was asked for
 * @param achievedAlpha the largest pairwise |cos| measured when the file was written
 * @param seed the generator seed
 * @param sha256 SHA-256 of the data section
 * @param provenanceLength bytes of provenance JSON
 */
public record EbvHeader(
    int formatVersion,
    long classes,
    int dim,
    double targetAlpha,
    double achievedAlpha,
    long seed,
    byte[] sha256,
    int provenanceLength) {

  /** The SHA-256 of the data, as 64 hex digits: the basis's identity. */
  public String checksum() {
    return HexFormat.of().formatHex(sha256);
  }

  /** Bytes of row-major float32 data. */
  public long dataBytes() {
    return classes * dim * Float.BYTES;
  }

  /** Where the data starts: after the header and provenance, aligned to 64 bytes. */
  public long dataOffset() {
    return EbvFile.align(EbvFile.FIXED_HEADER_BYTES + provenanceLength);
  }
}
