package org.ebvspark.data.table;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.ebvspark.model.io.AtomicOutput;
import org.ebvspark.model.io.Locations;

/**
 * Class ids and their indices. For folder layouts the order is the sorted order of the folder names
 * (Java's String order, which for ASCII names such as wnids is the order torchvision's ImageFolder
 * uses), so index i means the same class here and in a PyTorch checkpoint.
 */
public final class ClassList {
  private final List<String> ids;
  private final Map<String, Integer> index = new HashMap<>();

  public ClassList(List<String> ids) {
    this.ids = List.copyOf(ids);
    for (int i = 0; i < ids.size(); i++) {
      requireClean(ids.get(i), "class name");
      if (index.put(ids.get(i), i) != null) {
        throw new IllegalArgumentException("class id '" + ids.get(i) + "' appears twice");
      }
    }
  }

  /**
   * Refuses a class name that classes.txt (one name per line) could not hold as one line: empty, or
   * with a control character or a line separator. {@code what} names where it came from.
   */
  public static void requireClean(String name, String what) {
    if (name.isEmpty()) {
      throw new IllegalArgumentException(what + " is empty; every class needs a name");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
        throw new IllegalArgumentException(
            String.format(
                java.util.Locale.ROOT,
                "%s '%s' contains the control character U+%04X; rename it",
                what,
                escaped(name),
                (int) c));
      }
    }
  }

  private static String escaped(String name) {
    StringBuilder b = new StringBuilder();
    for (char c : name.toCharArray()) {
      if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
        b.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  /** The classes of a folder layout: the names, sorted. */
  public static ClassList sorted(Collection<String> names) {
    return new ClassList(new ArrayList<>(new TreeSet<>(names)));
  }

  public int size() {
    return ids.size();
  }

  public String id(int label) {
    return ids.get(label);
  }

  /** The index of a class id, or -1. */
  public int indexOf(String id) {
    Integer i = index.get(id);
    return i == null ? -1 : i;
  }

  public List<String> ids() {
    return ids;
  }

  /** Writes classes.txt (one id per line), atomically. */
  public void write(String location, Configuration conf) throws IOException {
    try (AtomicOutput out = AtomicOutput.create(location, true, conf)) {
      out.write((String.join("\n", ids) + "\n").getBytes(StandardCharsets.UTF_8));
      out.commit();
    }
  }

  public static ClassList read(String location, Configuration conf) throws IOException {
    List<String> ids = new ArrayList<>();
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(Locations.open(location, conf), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (!line.isEmpty()) {
          ids.add(line);
        }
      }
    }
    return new ClassList(ids);
  }
}
