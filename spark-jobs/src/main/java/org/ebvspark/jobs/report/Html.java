package org.ebvspark.jobs.report;

import java.util.Locale;

/**
 * A small HTML writer: every piece of text goes through {@link #text} (escaped), markup is added
 * only by the methods here. A number the page shows from the report's JSON carries that JSON's path
 * in {@code data-json}, so that a test can compare the page with the data it was drawn from.
 */
final class Html {
  private final StringBuilder b = new StringBuilder(1 << 16);

  static String escape(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  /** An opening tag with a class attribute (or none for null). */
  Html open(String tag, String cssClass) {
    b.append('<').append(tag);
    if (cssClass != null) {
      b.append(" class=\"").append(escape(cssClass)).append('"');
    }
    b.append('>');
    return this;
  }

  Html open(String tag) {
    return open(tag, null);
  }

  Html close(String tag) {
    b.append("</").append(tag).append('>');
    if (BLOCKS.contains(tag)) {
      b.append('\n'); // readable source; never inside a cell's text
    }
    return this;
  }

  private static final java.util.Set<String> BLOCKS =
      java.util.Set.of(
          "section", "div", "table", "tr", "ul", "li", "h1", "h2", "h3", "h4", "p", "details",
          "pre", "title", "caption");

  /** Escaped text. */
  Html text(Object value) {
    b.append(escape(value == null ? "" : value.toString()));
    return this;
  }

  /** {@code <tag>text</tag>}. */
  Html element(String tag, Object text) {
    return open(tag).text(text).close(tag);
  }

  /** Markup this class or a chart library made (never text from data). */
  Html raw(String markup) {
    b.append(markup);
    return this;
  }

  /** A table cell with a number from the JSON at {@code path}, formatted with {@code digits}. */
  Html number(String path, Object value, int digits) {
    b.append("<td class=\"num\" data-json=\"").append(escape(path)).append("\">");
    b.append(escape(format(value, digits)));
    b.append("</td>");
    return this;
  }

  /** A table row of a label and a number from the JSON. */
  Html numberRow(String label, String path, Object value, int digits) {
    open("tr").element("th", label).number(path, value, digits).close("tr");
    return this;
  }

  /** A table's header row. */
  Html headerRow(String... columns) {
    open("tr");
    for (String c : columns) {
      element("th", c);
    }
    return close("tr");
  }

  /** A table row of a label and text. */
  Html textRow(String label, Object value) {
    open("tr").element("th", label).open("td").text(value).close("td").close("tr");
    return this;
  }

  static String format(Object value, int digits) {
    if (value == null) {
      return "n/a";
    }
    if (value instanceof Number n) {
      double d = n.doubleValue();
      if (Double.isNaN(d)) {
        return "n/a";
      }
      if (digits == 0) {
        return String.format(Locale.ROOT, "%,d", Math.round(d));
      }
      return String.format(Locale.ROOT, "%,." + digits + "f", d);
    }
    return value.toString();
  }

  @Override
  public String toString() {
    return b.toString();
  }
}
