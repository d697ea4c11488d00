package org.ebvspark.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.ebvspark.model.nn.Backbone;
import org.ebvspark.model.nn.Head;
import org.ebvspark.model.nn.ModelSummary;
import org.ebvspark.model.nn.Networks;
import org.ebvspark.model.nn.Recipe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ebv model-summary}: layers, trainable parameters, bytes per averaging round. */
@Command(
    name = "model-summary",
    mixinStandardHelpOptions = true,
    description =
        "Print a network's layers, its trainable parameters and what one parameter-averaging round moves.")
final class ModelSummaryCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--backbone",
      required = true,
      description = "resnet50, resnet18, resnet32 or cnn-small.")
  String backbone;

  @Option(names = "--head", required = true, description = "ebv or fc.")
  String head;

  @Option(names = "--classes", required = true, description = "N.")
  long classes;

  @Option(names = "--dim", defaultValue = "0", description = "d, for --head ebv.")
  int dim;

  @Option(
      names = "--image-size",
      defaultValue = "0",
      description = "Input side (default 224, or 32 for the small backbones).")
  int imageSize;

  @Option(names = "--channels", defaultValue = "3", description = "Default: ${DEFAULT-VALUE}.")
  int channels;

  @Override
  public Integer call() {
    Backbone b = Backbone.fromLabel(backbone);
    Head h;
    if (head.equalsIgnoreCase("ebv")) {
      if (dim < 1) {
        throw new org.ebvspark.model.BadOptionException("--head ebv needs --dim D");
      }
      h = new Head(Head.Kind.EBV, classes, dim, "(summary)", "(none)", 0.07, 0.1);
    } else if (head.equalsIgnoreCase("fc")) {
      h = Head.fc(classes, 0.1);
    } else {
      throw new org.ebvspark.model.BadOptionException(
          "--head must be ebv or fc, not '" + head + "'");
    }
    int size =
        imageSize > 0 ? imageSize : (b == Backbone.RESNET50 || b == Backbone.RESNET18 ? 224 : 32);
    ModelSummary s =
        ModelSummary.of(
            Networks.configuration(
                b, h, Recipe.reference(1, 1, 1), new Networks.ImageShape(channels, size, size), 1));
    PrintWriter out = spec.commandLine().getOut();
    s.layers().forEach(out::println);
    // SGD with momentum keeps one state entry per parameter, which saveUpdater also averages.
    out.printf(
        Locale.ROOT,
        "%s + %s head, %d classes%s: %,d trainable parameters (%.1fM); params() %,d; one averaging"
            + " round moves %.1f MB per worker each way (float32 parameters + momentum)%n",
        b.label(),
        h.kind().label(),
        classes,
        dim > 0 ? ", d = " + dim : "",
        s.trainable(),
        s.trainable() / 1e6,
        s.parameters(),
        s.bytesPerRound(s.parameters()) / 1e6);
    return 0;
  }
}
