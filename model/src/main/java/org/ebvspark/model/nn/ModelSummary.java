package org.ebvspark.model.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;

/**
 * What a network configuration holds, counted from the configuration alone (nothing is allocated,
 * so it works at 100,000 classes): its layers, the trainable parameters (what the optimizer
 * updates; batch-norm running statistics excluded, as in PyTorch's count) and the parameters DL4J
 * keeps in params() (those statistics included), which is what one parameter-averaging round
 * broadcasts and averages.
 *
 * @param layers one line per layer with parameters
 * @param trainable trainable parameters
 * @param parameters all entries of params()
 */
public record ModelSummary(List<String> layers, long trainable, long parameters) {

  public static ModelSummary of(ComputationGraphConfiguration conf) {
    List<String> lines = new ArrayList<>();
    long trainable = 0;
    long total = 0;
    for (var entry : conf.getVertices().entrySet()) {
      GraphVertex vertex = entry.getValue();
      if (!(vertex instanceof LayerVertex lv)) {
        continue;
      }
      Layer layer = lv.getLayerConf().getLayer();
      long params = layer.initializer().numParams(lv.getLayerConf());
      if (params == 0) {
        continue;
      }
      long train = params;
      if (layer instanceof BatchNormalization bn) {
        train = 2 * bn.getNOut(); // gamma, beta; the running mean and variance are not trained
      }
      trainable += train;
      total += params;
      String shape =
          layer instanceof FeedForwardLayer ff
              ? " (" + ff.getNIn() + " -> " + ff.getNOut() + ")"
              : "";
      lines.add(
          String.format(
              Locale.ROOT,
              "%-24s %-22s %,14d trainable%s",
              entry.getKey(),
              layer.getClass().getSimpleName(),
              train,
              shape));
    }
    lines.sort(String::compareTo);
    return new ModelSummary(lines, trainable, total);
  }

  /**
   * Bytes one averaging round moves each way per worker: params() as float32, plus the updater
   * state.
   */
  public long bytesPerRound(long updaterStateEntries) {
    return 4 * (parameters + updaterStateEntries);
  }
}
