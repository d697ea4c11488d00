package org.ebvspark.model.ebv;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A basis read from an EBV file, checksum verified.
 *
 * @param matrix N x d float32, rows of unit length
 */
public record EbvBasis(INDArray matrix, EbvHeader header, EbvProvenance provenance) {}
