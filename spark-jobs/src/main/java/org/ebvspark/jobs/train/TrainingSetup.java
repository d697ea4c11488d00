package org.ebvspark.jobs.train;

import java.io.IOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.ebvspark.data.ImageTables;
import org.ebvspark.data.LongTail;
import org.ebvspark.data.image.AugmentSpec;
import org.ebvspark.data.image.DecodedImage;
import org.ebvspark.data.image.ImageCodec;
import org.ebvspark.data.table.ClassList;
import org.ebvspark.data.table.ImageTable;
import org.ebvspark.data.table.ImageTableReader;
import org.ebvspark.model.Provenance;
import org.ebvspark.model.ebv.BasisCheck;
import org.ebvspark.model.ebv.EbvBasis;
import org.ebvspark.model.ebv.EbvFile;
import org.ebvspark.model.ebv.EbvHeader;
import org.ebvspark.model.io.Locations;
import org.ebvspark.model.nn.Backbone;
import org.ebvspark.model.nn.EbvBasisCache;
import org.ebvspark.model.nn.Head;
import org.ebvspark.model.nn.LayerChoice;
import org.ebvspark.model.nn.ModelSummary;
import org.ebvspark.model.nn.Networks;
import org.ebvspark.model.nn.Recipe;
import org.ebvspark.model.nn.fast.FastLayers;

/**
 * Everything a trainer resolves before the first step, for the single-machine and the Spark trainer
 * alike: the table (complete, its classes and sizes), the head (an EBV file whose N is the table's
 * class count), the input shape and the augmentation. Every mismatch is an error here, before any
 * training.
 */
public final class TrainingSetup {
  private static final float[] HALF1 = {0.5f};
  private static final float[] HALF3 = {0.5f, 0.5f, 0.5f};

  private final TrainRequest request;
  private final ClassList classes;
  private final long trainRows;
  private final long valRows;
  private final Head head;
  private final Networks.ImageShape shape;
  private final AugmentSpec trainSpec;
  private final AugmentSpec evalSpec;

  private TrainingSetup(
      TrainRequest request,
      ClassList classes,
      long trainRows,
      long valRows,
      Head head,
      Networks.ImageShape shape,
      AugmentSpec trainSpec,
      AugmentSpec evalSpec) {
    this.request = request;
    this.classes = classes;
    this.trainRows = trainRows;
    this.valRows = valRows;
    this.head = head;
    this.shape = shape;
    this.trainSpec = trainSpec;
    this.evalSpec = evalSpec;
  }

  public static TrainingSetup resolve(TrainRequest r, Configuration conf) throws IOException {
    ImageTables.requireComplete(r.table(), conf);
    LongTail.requireOrderIndependent(r.table(), conf);
    ClassList classes = ClassList.read(r.table() + "/" + ImageTable.CLASSES_FILE, conf);
    long train = ImageTableReader.rows(r.table(), ImageTable.TRAIN, conf);
    long val = ImageTableReader.rows(r.table(), ImageTable.VAL, conf);
    if (train == 0) {
      throw new IllegalArgumentException(r.table() + ": the train split is empty");
    }
    Head head;
    double smoothing = r.recipe().labelSmoothing();
    if (r.head() == Head.Kind.EBV) {
      // The whole basis is verified here, on the driver, before anything is created: checksum,
      // finite unit rows, no duplicates. The model records it by its fully qualified URI, so an
      // evaluation started from another directory (or host) finds the same file.
      String location = Locations.qualified(r.ebvLocation(), conf);
      EbvBasis basis = EbvFile.read(location, conf);
      BasisCheck.verify(basis.matrix(), r.ebvLocation());
      basis.matrix().close();
      EbvHeader h = basis.header();
      if (h.classes() != classes.size()) {
        throw new IllegalArgumentException(
            r.ebvLocation()
                + ": the basis has N = "
                + h.classes()
                + " vectors but the table "
                + r.table()
                + " has "
                + classes.size()
                + " classes");
      }
      EbvBasisCache.configure(conf);
      head = Head.ebv(location, h, r.tau(), smoothing);
    } else {
      head = Head.fc(classes.size(), smoothing);
    }
    boolean imagenet = r.backbone() == Backbone.RESNET50 || r.backbone() == Backbone.RESNET18;
    int size = r.imageSize() > 0 ? r.imageSize() : imagenet ? 224 : storedSize(r.table(), conf);
    AugmentSpec trainSpec;
    AugmentSpec evalSpec;
    if (imagenet) {
      if (r.channels() != 3) {
        throw new IllegalArgumentException(
            r.backbone().label() + " takes color images (--channels 3)");
      }
      trainSpec = AugmentSpec.imagenetTrain(size);
      evalSpec = AugmentSpec.imagenetEval(Math.round(size * 256f / 224f), size);
    } else {
      float[] half = r.channels() == 1 ? HALF1 : HALF3;
      trainSpec = AugmentSpec.smallTrain(size, Math.max(1, size / 8), r.channels(), half, half);
      evalSpec = AugmentSpec.smallEval(size, r.channels(), half, half);
    }
    trainSpec =
        trainSpec
            .withErasing(r.recipe().randomErase())
            .withTrivialAugment(r.recipe().trivialAugment())
            .withMixing(r.recipe().mixup(), r.recipe().cutmix());
    return new TrainingSetup(
        r,
        classes,
        train,
        val,
        head,
        new Networks.ImageShape(r.channels(), size, size),
        trainSpec,
        evalSpec);
  }

  /** The side of the stored images (the first train row's width). */
  private static int storedSize(String table, Configuration conf) throws IOException {
    List<String> shards = ImageTableReader.shards(table, ImageTable.TRAIN, conf);
    int[] width = {0};
    try {
      ImageTableReader.forEach(
          shards.get(0),
          conf,
          row -> {
            if (width[0] == 0) {
              try (DecodedImage image = ImageCodec.decode(row.image(), 1)) {
                width[0] = image.width();
              } catch (org.ebvspark.data.image.ImageRejectedException e) {
                throw new IllegalStateException(row.path() + ": " + e.getMessage());
              }
              throw new StopReading();
            }
          });
    } catch (StopReading done) {
      // the first row was enough
    }
    return width[0];
  }

  private static final class StopReading extends RuntimeException {
    private static final long serialVersionUID = 1L;

    StopReading() {
      super(null, null, false, false);
    }
  }

  public TrainRequest request() {
    return request;
  }

  public ClassList classes() {
    return classes;
  }

  public long trainRows() {
    return trainRows;
  }

  public long valRows() {
    return valRows;
  }

  public Head head() {
    return head;
  }

  public Networks.ImageShape shape() {
    return shape;
  }

  public AugmentSpec trainSpec() {
    return trainSpec;
  }

  public AugmentSpec evalSpec() {
    return evalSpec;
  }

  public ComputationGraph newNetwork(long iterationsPerEpoch) {
    return Networks.create(
        request.backbone(), head, request.recipe(), shape, iterationsPerEpoch, request.layers());
  }

  private ComputationGraphConfiguration configuration(long iterationsPerEpoch) {
    return Networks.configuration(
        request.backbone(), head, request.recipe(), shape, iterationsPerEpoch, request.layers());
  }

  /** The resolved configuration, for config.json: the setup's part, the trainer's around it. */
  public RunConfig describe(
      long iterationsPerEpoch,
      String executor,
      int workers,
      double learningRateGiven,
      int referenceBatch,
      int averagingFrequency,
      int roundsPerEpoch) {
    ComputationGraphConfiguration conf = configuration(iterationsPerEpoch);
    ModelSummary summary = ModelSummary.of(conf);
    Recipe recipe = request.recipe();
    return new RunConfig(
        request,
        recipe.toString(),
        head,
        shape,
        trainSpec,
        evalSpec,
        classes.size(),
        trainRows,
        valRows,
        iterationsPerEpoch,
        summary.trainable(),
        summary.parameters(),
        executor,
        Provenance.software(),
        Provenance.now(),
        workers,
        recipe.batchSize(),
        recipe.batchSize() * workers,
        learningRateGiven,
        referenceBatch,
        recipe.learningRate(),
        averagingFrequency,
        roundsPerEpoch,
        Provenance.command(),
        LayerChoice.of(conf).label(),
        LayerChoice.of(conf) == LayerChoice.FAST ? FastLayers.implementation() : null);
  }
}
