package org.ebvspark.cli;

import java.io.PrintWriter;
import org.ebvspark.model.Provenance;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ebv} command: one entry point whose subcommands are the user's path (generate,
 * inspect, convert, ...). Subcommands parse options and delegate to a job; this class turns any
 * failure into one line on stderr and an exit code.
 *
 * <p>Exit codes: 0 success; 1 the command failed (bad input, I/O); 2 bad usage; 3 {@code generate}
 * wrote its best basis but did not reach alpha.
 */
@Command(
    name = "ebv",
    mixinStandardHelpOptions = true,
    versionProvider = EbvCli.Version.class,
    description = "Equiangular Basis Vectors (arXiv:2303.11637) on Apache Spark.",
    subcommands = {
      GenerateCommand.class,
      InspectCommand.class,
      ConvertCommand.class,
      PrepareCommand.class,
      TrainCommand.class,
      ReportCommand.class,
      DemoCommand.class,
      EvaluateCommand.class,
      ModelSummaryCommand.class
    })
public final class EbvCli implements Runnable {
  public static final int EXIT_ALPHA_NOT_REACHED = 3;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
  }

  public static void main(String[] args) {
    String outcome = System.getProperty(SubmitOutcome.PROPERTY);
    int code;
    String summary = "";
    if (outcome == null) {
      code = run(args);
    } else {
      // A driver in cluster deploy mode: its exit code and last line go to the submitter's file.
      LastLineWriter out = new LastLineWriter(new PrintWriter(System.out, true));
      LastLineWriter err = new LastLineWriter(new PrintWriter(System.err, true));
      code = run(new PrintWriter(out, true), new PrintWriter(err, true), args);
      summary = code == 0 || err.lastLine().isEmpty() ? out.lastLine() : err.lastLine();
      try {
        SubmitOutcome.write(outcome, code, summary);
      } catch (java.io.IOException | RuntimeException e) {
        System.err.println(
            "ebv: could not write the outcome to " + outcome + ": " + e.getMessage());
        code = code == 0 ? 1 : code;
      }
    }
    System.out.flush();
    if (insideYarnApplicationMaster()) {
      // There System.exit, even exit(0), fails the application ("shutdown hook called before
      // final status was reported") and YARN starts it again: return, or throw for a failure.
      if (code != 0) {
        throw new IllegalStateException(
            "ebv exited with code " + code + (summary.isEmpty() ? "" : " (" + summary + ")"));
      }
      return;
    }
    System.exit(code);
  }

  /** Whether this JVM is the driver of a YARN cluster-mode application (the AM runs main). */
  private static boolean insideYarnApplicationMaster() {
    String master = System.getProperty("spark.master", "");
    return master.startsWith("yarn")
        && "cluster".equals(System.getProperty("spark.submit.deployMode"));
  }

  /** Runs the command line on stdout and stderr and returns its exit code. */
  public static int run(String... args) {
    return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
  }

  /** Runs the command line with the given output streams (tests call this). */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    Provenance.recordCommand("ebv " + shellQuoted(args));
    CommandLine cli = new CommandLine(new EbvCli());
    cli.setOut(out);
    cli.setErr(err);
    cli.setExecutionExceptionHandler(EbvCli::failure);
    cli.setParameterExceptionHandler(EbvCli::usage);
    try {
      return cli.execute(args);
    } catch (OutOfMemoryError e) {
      // An Error passes picocli's handlers: still one line, with the setting that raises the limit.
      err.printf(
          java.util.Locale.ROOT,
          "ebv: out of memory (%s) with a %.1f GB Java heap; raise EBV_HEAP (Java heap) or"
              + " EBV_OFFHEAP (ND4J's native memory), or use a smaller job%n",
          e.getMessage(),
          Runtime.getRuntime().maxMemory() / 1e9);
      err.flush();
      return 1;
    }
  }

  /** The arguments as a shell would take them back: single-quoted where needed. */
  static String shellQuoted(String... args) {
    StringBuilder b = new StringBuilder();
    for (String a : args) {
      if (b.length() > 0) {
        b.append(' ');
      }
      b.append(a.matches("[A-Za-z0-9_./:=,+@%-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
    }
    return b.toString();
  }

  /** Bad usage: one line, and where to look. */
  private static int usage(CommandLine.ParameterException e, String[] args) {
    CommandLine cli = e.getCommandLine();
    String path = cli.getCommandSpec().qualifiedName();
    cli.getErr().println(path + ": " + e.getMessage() + " (see '" + path + " --help')");
    cli.getErr().flush();
    return cli.getCommandSpec().exitCodeOnInvalidInput();
  }

  /** One line that names the command and the problem; the stack trace only with EBV_DEBUG=1. */
  private static int failure(Exception e, CommandLine cli, CommandLine.ParseResult parseResult) {
    PrintWriter err = cli.getErr();
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (e instanceof IllegalStateException || e instanceof NullPointerException) {
      message = e.getClass().getSimpleName() + ": " + message;
    }
    String path = cli.getCommandSpec().qualifiedName();
    err.println(path + ": " + message.lines().findFirst().orElse(message));
    if ("1".equals(System.getenv("EBV_DEBUG"))) {
      e.printStackTrace(err);
    }
    err.flush();
    return e instanceof org.ebvspark.model.BadOptionException
        ? cli.getCommandSpec().exitCodeOnInvalidInput()
        : 1;
  }

  /** The build's version. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"ebv " + Provenance.ebvSparkVersion()};
    }
  }
}
