package org.ebvspark.data.table;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The image table: what {@code ebv prepare} writes and training reads.
 *
 * <pre>
 * TABLE/
 *   train/part-*.parquet     rows of the train split, shuffled with the preparation seed
 *   val/part-*.parquet       rows of the val split
 *   rejected/part-*.parquet  inputs that are not usable images: path, split, class_id, reason
 *   classes.txt              class ids, one per line; line i (from 0) is class index i
 *   prep-report.json         counts per split and class, rejections by reason, provenance
 *   _SUCCESS                 written last: a table without it is incomplete
 * </pre>
 *
 * Columns of the split tables: {@code image} (binary: the encoded bytes, JPEG or PNG, as stored or
 * re-encoded by --resize), {@code label} (int: the class index), {@code class_id} (string: the wnid
 * or class name), {@code path} (string: the source file), {@code split} (string), {@code format}
 * (string: jpeg or png, from the bytes' signature), {@code width} and {@code height} (int: of the
 * stored image).
 */
public final class ImageTable {
  public static final String IMAGE = "image";
  public static final String LABEL = "label";
  public static final String CLASS_ID = "class_id";
  public static final String PATH = "path";
  public static final String SPLIT = "split";
  public static final String FORMAT = "format";
  public static final String WIDTH = "width";
  public static final String HEIGHT = "height";
  public static final String REASON = "reason";

  public static final String TRAIN = "train";
  public static final String VAL = "val";
  public static final String REJECTED = "rejected";
  public static final String CLASSES_FILE = "classes.txt";
  public static final String REPORT_FILE = "prep-report.json";
  public static final String SUCCESS = "_SUCCESS";

  private ImageTable() {}

  /** The columns of a split table, in order. */
  public static StructType schema() {
    return new StructType(
        new StructField[] {
          DataTypes.createStructField(IMAGE, DataTypes.BinaryType, false),
          DataTypes.createStructField(LABEL, DataTypes.IntegerType, false),
          DataTypes.createStructField(CLASS_ID, DataTypes.StringType, false),
          DataTypes.createStructField(PATH, DataTypes.StringType, false),
          DataTypes.createStructField(SPLIT, DataTypes.StringType, false),
          DataTypes.createStructField(FORMAT, DataTypes.StringType, false),
          DataTypes.createStructField(WIDTH, DataTypes.IntegerType, false),
          DataTypes.createStructField(HEIGHT, DataTypes.IntegerType, false)
        });
  }

  /** The columns of the rejected table. */
  public static StructType rejectedSchema() {
    return new StructType(
        new StructField[] {
          DataTypes.createStructField(PATH, DataTypes.StringType, false),
          DataTypes.createStructField(SPLIT, DataTypes.StringType, false),
          DataTypes.createStructField(CLASS_ID, DataTypes.StringType, true),
          DataTypes.createStructField(REASON, DataTypes.StringType, false)
        });
  }

  /** Where a split's Parquet files are, under a table location. */
  public static String splitLocation(String table, String split) {
    return table.replaceAll("/+$", "") + "/" + split;
  }
}
