package org.ebvspark.model.io;

import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.hadoop.conf.Configuration;
import org.ebvspark.model.Provenance;

/**
 * A JSON-lines metrics file on any file system. The file is rewritten whole (atomically) on {@link
 * #flush}, and automatically every {@code flushSeconds}, which works on S3, where appending does
 * not. A resumed run keeps the lines it still agrees with.
 */
public final class JsonLinesLog {
  private final String location;
  private final Configuration conf;
  private final double flushSeconds;
  private final List<String> lines = new ArrayList<>();
  private long lastFlush = System.nanoTime();

  private JsonLinesLog(String location, Configuration conf, double flushSeconds) {
    this.location = location;
    this.conf = conf;
    this.flushSeconds = flushSeconds;
  }

  /** A new log; {@code keep} selects the lines of an existing file to carry over (null: none). */
  public static JsonLinesLog open(
      String location, Configuration conf, double flushSeconds, Predicate<Map<String, Object>> keep)
      throws IOException {
    JsonLinesLog log = new JsonLinesLog(location, conf, flushSeconds);
    if (keep != null && Locations.exists(location, conf)) {
      try (BufferedReader in =
          new BufferedReader(
              new InputStreamReader(Locations.open(location, conf), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          if (!line.isBlank()) {
            @SuppressWarnings("unchecked")
            Map<String, Object> record = Provenance.json().readValue(line, Map.class);
            if (keep.test(record)) {
              log.lines.add(line);
            }
          }
        }
      }
    }
    return log;
  }

  public String location() {
    return location;
  }

  /** Appends one record (a line of JSON), flushing if the interval has passed. */
  public void add(Map<String, Object> record) {
    try {
      lines.add(
          Provenance.json()
              .writer()
              .without(SerializationFeature.INDENT_OUTPUT)
              .writeValueAsString(record));
    } catch (IOException e) {
      throw new UncheckedIOException(location + ": cannot encode a metrics line", e);
    }
    if ((System.nanoTime() - lastFlush) / 1e9 >= flushSeconds) {
      flush();
    }
  }

  /** Rewrites the file with every line so far. */
  public void flush() {
    try (AtomicOutput out = AtomicOutput.create(location, true, conf)) {
      out.write((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
      out.commit();
    } catch (IOException e) {
      throw new UncheckedIOException(location + ": cannot write metrics", e);
    }
    lastFlush = System.nanoTime();
  }
}
