package org.ebvspark.cli;

import java.io.FilterWriter;
import java.io.IOException;
import java.io.Writer;

/** Passes text through and remembers its last non-blank line (a command's summary). */
final class LastLineWriter extends FilterWriter {
  private final StringBuilder current = new StringBuilder();
  private String last = "";

  LastLineWriter(Writer out) {
    super(out);
  }

  @Override
  public synchronized void write(int c) throws IOException {
    super.write(c);
    take((char) c);
  }

  @Override
  public synchronized void write(char[] buf, int off, int len) throws IOException {
    super.write(buf, off, len);
    for (int i = off; i < off + len; i++) {
      take(buf[i]);
    }
  }

  @Override
  public synchronized void write(String s, int off, int len) throws IOException {
    super.write(s, off, len);
    for (int i = off; i < off + len; i++) {
      take(s.charAt(i));
    }
  }

  private void take(char c) {
    if (c == '\n' || c == '\r') {
      if (!current.toString().isBlank()) {
        last = current.toString().strip();
      }
      current.setLength(0);
    } else {
      current.append(c);
    }
  }

  /** The last complete non-blank line, or the unfinished one if it is the only text. */
  synchronized String lastLine() {
    return !current.toString().isBlank() ? current.toString().strip() : last;
  }
}
