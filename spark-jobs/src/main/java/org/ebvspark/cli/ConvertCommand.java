package org.ebvspark.cli;

import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.ebvspark.model.ebv.EbvHeader;
import org.ebvspark.model.ebv.EbvImport;
import org.ebvspark.model.io.OwnedOutput;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ebv convert IN OUT}: EBV file to .npy, or .npy to EBV file, by extension. */
@Command(
    name = "convert",
    mixinStandardHelpOptions = true,
    description = {
      "Convert an EBV file to a NumPy .npy file, or a .npy file (2-d float32/float64, unit rows)"
          + " to an EBV file, chosen by the extension of OUT."
    })
final class ConvertCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  private java.io.PrintWriter out() {
    return spec.commandLine().getOut();
  }

  private java.io.PrintWriter err() {
    return spec.commandLine().getErr();
  }

  @Parameters(index = "0", description = "Input: an .ebv or .npy file (path or URI).")
  String input;

  @Parameters(index = "1", description = "Output: ending in .npy or .ebv.")
  String output;

  @Option(names = "--overwrite", description = "Replace an existing output.")
  boolean overwrite;

  @Override
  public Integer call() throws Exception {
    Configuration conf = new Configuration();
    OwnedOutput.refuseOverlap(output, conf, input);
    org.ebvspark.model.io.Locations.requireWritable(output, conf);
    String out = output.toLowerCase(Locale.ROOT);
    if (out.endsWith(".npy")) {
      EbvImport.toNpy(input, output, overwrite, conf);
      out().println("wrote " + output + " (float32, C order; np.load reads it)");
    } else if (out.endsWith(".ebv")) {
      EbvHeader h = EbvImport.fromNpy(input, output, overwrite, conf);
      out()
          .printf(
              Locale.ROOT,
              "wrote %s: %d x %d, max |cos| %.6f, sha256 %s%n",
              output,
              h.classes(),
              h.dim(),
              h.achievedAlpha(),
              h.checksum());
    } else {
      throw new IllegalArgumentException(
          output + ": cannot tell the format from the extension (use .npy or .ebv)");
    }
    return 0;
  }
}
