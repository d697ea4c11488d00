package org.ebvspark.data.importer;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.ebvspark.data.image.DecodedImage;
import org.ebvspark.data.image.ImageCodec;
import org.ebvspark.data.table.ClassList;
import org.ebvspark.data.table.EncodedImage;
import org.ebvspark.data.table.ImageSource;
import org.ebvspark.data.table.ImageTable;
import org.ebvspark.model.io.Locations;

/**
 * Fashion-MNIST from its IDX files (Xiao, Rasul, Vollgraf 2017; Debian's dataset-fashion-mnist puts
 * them in /usr/share/datasets/fashion-mnist/): 60,000 train and 10,000 test images, 28 x 28 gray,
 * 10 classes. The official test set becomes the val split. Images are stored as PNG.
 */
public final class FashionMnist {
  public static final String DEFAULT_DIR = "/usr/share/datasets/fashion-mnist";

  /** The official class names, in label order. */
  public static final List<String> CLASSES =
      List.of(
          "T-shirt/top",
          "Trouser",
          "Pullover",
          "Dress",
          "Coat",
          "Sandal",
          "Shirt",
          "Sneaker",
          "Bag",
          "Ankle boot");

  private FashionMnist() {}

  public static ClassList classes() {
    return new ClassList(CLASSES);
  }

  /** Both splits, encoded as PNG, in file order. */
  public static List<EncodedImage> read(String dir, Configuration conf) throws IOException {
    List<EncodedImage> out = new ArrayList<>();
    read(dir, "train", ImageTable.TRAIN, conf, out);
    read(dir, "t10k", ImageTable.VAL, conf, out);
    return out;
  }

  private static void read(
      String dir, String prefix, String split, Configuration conf, List<EncodedImage> out)
      throws IOException {
    String images = find(dir, prefix + "-images-idx3-ubyte", conf);
    String labels = find(dir, prefix + "-labels-idx1-ubyte", conf);
    try (DataInputStream img = open(images, conf);
        DataInputStream lab = open(labels, conf)) {
      expectMagic(img, 2051, images);
      expectMagic(lab, 2049, labels);
      int count = img.readInt();
      int rows = img.readInt();
      int cols = img.readInt();
      if (lab.readInt() != count) {
        throw new IOException(labels + ": label count differs from " + images);
      }
      byte[] pixels = new byte[rows * cols];
      for (int i = 0; i < count; i++) {
        int label;
        try {
          img.readFully(pixels);
        } catch (IOException e) {
          throw truncated(images, i, count, e);
        }
        try {
          label = lab.readUnsignedByte();
        } catch (IOException e) {
          throw truncated(labels, i, count, e);
        }
        if (label >= CLASSES.size()) {
          throw new IOException(labels + ": label " + label + " at " + i + " is not 0-9");
        }
        byte[] png;
        try (DecodedImage image = ImageCodec.fromPixels(pixels, cols, rows, 1)) {
          png = ImageCodec.encodePng(image);
        }
        String path = String.format("%s#%s/%05d", images, split, i);
        out.add(EncodedImage.of(ImageSource.of(path, CLASSES.get(label), label, split), png));
      }
    }
  }

  private static IOException truncated(String file, int at, int count, IOException cause) {
    return new IOException(
        file
            + ": truncated or corrupt at item "
            + at
            + " of "
            + count
            + " ("
            + cause.getMessage()
            + ")",
        cause);
  }

  /** The file, gzipped or not. */
  private static String find(String dir, String name, Configuration conf) throws IOException {
    String base = dir.replaceAll("/+$", "") + "/" + name;
    if (Locations.exists(base + ".gz", conf)) {
      return base + ".gz";
    }
    if (Locations.exists(base, conf)) {
      return base;
    }
    throw new IOException(
        dir + ": no " + name + "[.gz] (install Debian's dataset-fashion-mnist, or give --input)");
  }

  private static DataInputStream open(String location, Configuration conf) throws IOException {
    InputStream in = Locations.open(location, conf);
    return new DataInputStream(
        new java.io.BufferedInputStream(
            location.endsWith(".gz") ? new GZIPInputStream(in, 1 << 16) : in, 1 << 16));
  }

  private static void expectMagic(DataInputStream in, int magic, String location)
      throws IOException {
    int actual = in.readInt();
    if (actual != magic) {
      throw new IOException(
          location + ": not an IDX file (magic " + actual + ", expected " + magic + ")");
    }
  }
}
