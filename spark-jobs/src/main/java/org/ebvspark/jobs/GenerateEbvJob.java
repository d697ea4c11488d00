package org.ebvspark.jobs;

import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.ebvspark.model.Provenance;
import org.ebvspark.model.ebv.CoherencePass;
import org.ebvspark.model.ebv.CoherenceStats;
import org.ebvspark.model.ebv.EbvFile;
import org.ebvspark.model.ebv.EbvGenerator;
import org.ebvspark.model.ebv.EbvHeader;
import org.ebvspark.model.ebv.EbvProvenance;
import org.ebvspark.model.ebv.GenerationListener;
import org.ebvspark.model.ebv.GenerationResult;
import org.ebvspark.model.ebv.GeneratorCheckpoints;
import org.ebvspark.model.ebv.GeneratorSettings;
import org.ebvspark.model.io.Locations;

/**
 * {@code ebv generate}: generate a basis, certify it, and write it with its provenance.
 *
 * <p>Validation (the settings, the output) happens before any work, so a bad request costs nothing
 * and leaves nothing behind.
 */
public final class GenerateEbvJob {

  /** What the run produced. */
  public record Result(GenerationResult generation, CoherenceStats coherence, EbvHeader header) {}

  private final GeneratorSettings settings;
  private final String output;
  private final boolean overwrite;
  private final Configuration conf;

  public GenerateEbvJob(
      GeneratorSettings settings, String output, boolean overwrite, Configuration conf) {
    this.settings = settings;
    this.output = output;
    this.overwrite = overwrite;
    this.conf = conf;
  }

  /** Refuses an existing output before any work. */
  public void validate() throws IOException {
    if (!overwrite && Locations.exists(output, conf)) {
      throw new FileAlreadyExistsException(
          output + ": already exists (use --overwrite to replace it)");
    }
  }

  /** Generates on this JVM. */
  public Result execute(GenerationListener listener) throws IOException {
    try (CoherencePass pass = CoherencePass.local(settings)) {
      return execute(pass, "local", listener, GeneratorCheckpoints.NONE);
    }
  }

  /** Generates with the given pass (local, or Spark executors). */
  public Result execute(
      CoherencePass pass,
      String executor,
      GenerationListener listener,
      GeneratorCheckpoints checkpoints)
      throws IOException {
    validate();
    GenerationResult generation =
        EbvGenerator.generate(settings, pass, listener, null, checkpoints);
    return write(generation, pass, executor);
  }

  /** Certifies the result and writes the EBV file. */
  Result write(GenerationResult generation, CoherencePass pass, String executor)
      throws IOException {
    CoherenceStats coherence =
        generation.certificate() != null
            ? generation.certificate()
            : pass.certify(generation.basis());
    EbvProvenance provenance =
        new EbvProvenance(
            "generated",
            EbvProvenance.GeneratorInfo.of(generation, executor),
            coherence,
            Provenance.software(),
            Provenance.now());
    EbvHeader header =
        EbvFile.write(
            generation.basis(),
            settings.alpha(),
            coherence.max(),
            settings.seed(),
            provenance,
            output,
            overwrite,
            conf);
    return new Result(generation, coherence, header);
  }
}
