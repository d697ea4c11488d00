package org.ebvspark.data.table;

import java.io.Serializable;

/**
 * One input image found by an importer, before it is read.
 *
 * @param path where the encoded bytes are (a URI, or an inline:N key for generated images)
 * @param classId the wnid or class name; null when the label itself is bad
 * @param label the class index, -1 when the label is bad
 * @param split train or val
 * @param rejected why the importer already knows this input is unusable (e.g. a CSV label out of
 *     range), or null
 */
public record ImageSource(String path, String classId, int label, String split, String rejected)
    implements Serializable {

  public static ImageSource of(String path, String classId, int label, String split) {
    return new ImageSource(path, classId, label, split, null);
  }

  public static ImageSource rejected(String path, String classId, String split, String reason) {
    return new ImageSource(path, classId, -1, split, reason);
  }
}
