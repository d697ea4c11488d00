package org.ebvspark.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.ebvspark.model.Provenance;
import org.ebvspark.model.io.Locations;
import picocli.CommandLine;

/**
 * How a command's result reaches the user in cluster deploy mode, where the driver runs on a
 * cluster node and spark-submit returns without its exit code or output (standalone: 0 whatever the
 * job did). {@code deploy/bin/ebv-submit} names a file beside the command's output location ({@code
 * --output} or {@code --run}, on the file system the job writes to); the driver, started with
 * {@code -Debv.outcome=URI}, writes its exit code and one-line summary there as it ends; the
 * submitter reads it, prints it, deletes it and exits with that code.
 *
 * <pre>
 *   SubmitOutcome locate TOKEN -- generate ... -o hdfs:///ebv/basis.ebv   prints the file's URI
 *   SubmitOutcome read URI                                               prints, deletes, exits
 * </pre>
 */
public final class SubmitOutcome {
  /** The system property that names the outcome file to the driver. */
  public static final String PROPERTY = "ebv.outcome";

  /** Exit code when the driver ended without writing an outcome (killed, lost node). */
  static final int EXIT_NO_OUTCOME = 1;

  private SubmitOutcome() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    try {
      if (args.length >= 3 && args[0].equals("locate") && args[2].equals("--")) {
        out.println(locate(args[1], List.of(args).subList(3, args.length)));
        return 0;
      }
      if (args.length == 3 && args[0].equals("read") && args[2].matches("\\d{1,3}")) {
        return read(args[1], Integer.parseInt(args[2]), out, err);
      }
      err.println(
          "usage: SubmitOutcome locate TOKEN -- EBV_ARGS... | SubmitOutcome read URI SUBMIT_STATUS");
      return 2;
    } catch (IllegalArgumentException e) {
      err.println("ebv-submit: " + e.getMessage());
      return 2;
    } catch (IOException | UncheckedIOException e) {
      err.println("ebv-submit: " + e.getMessage());
      return 1;
    }
  }

  /**
   * The outcome file of the ebv command {@code ebvArgs}: {@code OUTPUT.outcome-TOKEN.json} beside
   * its output location, which must be absolute (the driver runs in another directory, maybe on
   * another machine).
   */
  static String locate(String token, List<String> ebvArgs) {
    if (!token.matches("[A-Za-z0-9_-]{1,64}")) {
      throw new IllegalArgumentException("bad outcome token '" + token + "'");
    }
    String output = outputLocation(ebvArgs);
    if (!Locations.isUri(output) && !output.startsWith("/")) {
      throw new IllegalArgumentException(
          output
              + ": a relative path in cluster deploy mode would be taken from the driver's"
              + " directory on a cluster node; give an absolute path or a URI (hdfs://, s3a://)");
    }
    Locations.refuseCredentials(output, "location", Locations.STORAGE_CREDENTIALS);
    return output.replaceAll("/+$", "") + ".outcome-" + token + ".json";
  }

  /** The value of --output (else --run) of the innermost subcommand of an ebv command line. */
  static String outputLocation(List<String> ebvArgs) {
    CommandLine.ParseResult parsed;
    try {
      parsed = new CommandLine(new EbvCli()).parseArgs(ebvArgs.toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      throw new IllegalArgumentException(
          e.getCommandLine().getCommandSpec().qualifiedName() + ": " + e.getMessage(), e);
    }
    CommandLine.ParseResult command = parsed;
    while (command.subcommand() != null) {
      command = command.subcommand();
    }
    for (String option : List.of("--output", "--run")) {
      if (command.commandSpec().findOption(option) != null) {
        String value = command.matchedOptionValue(option, null);
        if (value != null) {
          return value;
        }
      }
    }
    throw new IllegalArgumentException(
        "'"
            + command.commandSpec().qualifiedName()
            + "' names no --output or --run location for its outcome in cluster deploy mode; set"
            + " EBV_OUTCOME to a file URI the driver and this machine can both reach");
  }

  /** Called by the driver as the command ends: the exit code and summary, renamed into place. */
  static void write(String location, int exitCode, String summary) throws IOException {
    Path path = Locations.path(location);
    FileSystem fs = Locations.fileSystem(path, new Configuration());
    Map<String, Object> outcome = new LinkedHashMap<>();
    outcome.put("exitCode", exitCode);
    outcome.put("summary", summary == null ? "" : Locations.maskCredentials(summary));
    outcome.put("command", Provenance.command());
    outcome.put("host", Provenance.hostName());
    outcome.put("finished", Provenance.now());
    Path tmp = new Path(path.getParent(), "." + path.getName() + ".tmp");
    try (OutputStream o = fs.create(tmp, true)) {
      o.write(Provenance.json().writeValueAsBytes(outcome));
    }
    fs.delete(path, false);
    if (!fs.rename(tmp, path)) {
      throw new IOException("could not rename " + tmp + " to " + path);
    }
  }

  /**
   * Prints the outcome (the summary on stdout, or stderr when the job failed), deletes it and
   * returns its exit code; without one, says so and returns spark-submit's status (or 1).
   */
  static int read(String location, int submitStatus, PrintStream out, PrintStream err)
      throws IOException {
    Path path = Locations.path(location);
    FileSystem fs = Locations.fileSystem(path, new Configuration());
    if (!fs.exists(path)) {
      err.println(
          "ebv-submit: the job ended without writing its outcome to "
              + location
              + " (spark-submit exited with "
              + submitStatus
              + "): the driver failed to start, or was killed or lost before the command"
              + " finished; see its log on the cluster (standalone: the worker's"
              + " work/driver-*/stderr; YARN: yarn logs -applicationId ID)");
      return submitStatus != 0 ? submitStatus : EXIT_NO_OUTCOME;
    }
    Map<?, ?> outcome;
    try (InputStream in = fs.open(path)) {
      outcome = Provenance.json().readValue(in, Map.class);
    }
    fs.delete(path, false);
    int code = outcome.get("exitCode") instanceof Number n ? n.intValue() : EXIT_NO_OUTCOME;
    String summary = String.valueOf(outcome.get("summary"));
    String where = " (driver on " + outcome.get("host") + ", exit " + code + ")";
    (code == 0 ? out : err).println(summary + where);
    return code;
  }
}
