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
      if (index.put(ids.get(i), i) != null) {
        throw new IllegalArgumentException("class id '" + ids.get(i) + "' appears twice");
      }
    }
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
