package org.ebvspark.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One in-process run of the ebv command line, with what it printed. */
record CliRun(int exitCode, String out, String err) {

  static CliRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = EbvCli.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new CliRun(code, out.toString(), err.toString());
  }

  /** The lines of stderr that are not progress or library logging. */
  String errorLines() {
    return err.lines()
        .filter(l -> !l.startsWith("step ") && !l.startsWith("generating "))
        .filter(l -> !l.matches("^\\d\\d:\\d\\d:\\d\\d .*"))
        .reduce("", (a, b) -> a.isEmpty() ? b : a + "\n" + b);
  }
}
