package org.ebvspark.jobs.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.ebvspark.model.Provenance;

/**
 * What every report page must do in a real browser: load with no console error and no request but
 * its own file, render every chart, and show the numbers of the JSON it was drawn from.
 */
public final class ReportPageChecks {
  private ReportPageChecks() {}

  /**
   * @param screenshot where the page's PNG is kept (a test artifact under target/)
   * @return the report's JSON
   */
  public static JsonNode check(HeadlessChromium browser, Path report, Path screenshot)
      throws Exception {
    Path page = report.resolve(ReportJob.PAGE);
    HeadlessChromium.PageLoad load = browser.load(page);
    assertThat(load.consoleErrors()).as("console errors").isEmpty();
    assertThat(load.dialogs()).as("dialogs (injected script)").isEmpty();
    assertThat(load.requests()).as("requests").containsOnly(page.toUri().toString());

    long chartFiles;
    try (var files = Files.list(report.resolve("charts"))) {
      chartFiles = files.filter(f -> f.toString().endsWith(".svg")).count();
    }
    JsonNode charts =
        browser.evaluate(
            "[...document.querySelectorAll('figure[data-chart]')].map(f => {"
                + " const s = f.querySelector('svg'); const b = s ? s.getBoundingClientRect() : null;"
                + " return {name: f.dataset.chart, width: b ? b.width : 0, height: b ? b.height : 0,"
                + " shapes: s ? s.querySelectorAll('path,rect,line,polyline,text').length : 0}; })");
    assertThat(charts.size()).as("charts on the page").isEqualTo(chartFiles).isPositive();
    for (JsonNode c : charts) {
      assertThat(c.path("width").asDouble()).as(c.path("name").asText()).isGreaterThan(300);
      assertThat(c.path("height").asDouble()).as(c.path("name").asText()).isGreaterThan(100);
      assertThat(c.path("shapes").asInt()).as(c.path("name").asText()).isGreaterThan(20);
    }

    JsonNode data = Provenance.json().readTree(report.resolve(ReportJob.DATA).toFile());
    JsonNode cells =
        browser.evaluate(
            "[...document.querySelectorAll('[data-json]')].map(e => [e.dataset.json,"
                + " e.textContent])");
    assertThat(cells.size()).as("numbers on the page").isGreaterThan(10);
    for (JsonNode cell : cells) {
      String path = cell.get(0).asText();
      String text = cell.get(1).asText();
      JsonNode value = resolve(data, path);
      if (text.equals("n/a")) {
        assertThat(value == null || value.isNull() || !value.isNumber())
            .as(path + " shown as n/a but is " + value)
            .isTrue();
        continue;
      }
      assertThat(value).as(path + " (page shows " + text + ")").isNotNull();
      assertThat(value.isNumber()).as(path).isTrue();
      String digits = text.replace(",", "");
      int decimals = digits.contains(".") ? digits.length() - digits.indexOf('.') - 1 : 0;
      double shown = Double.parseDouble(digits);
      assertThat(shown)
          .as(path)
          .isCloseTo(
              value.asDouble(),
              org.assertj.core.data.Offset.offset(0.5000001 * Math.pow(10, -decimals)));
    }
    browser.screenshot(screenshot);
    assertThat(Files.size(screenshot)).isGreaterThan(10_000);
    return data;
  }

  /** The node at a dotted path ("runs.0.summary.top1"), or null. */
  static JsonNode resolve(JsonNode root, String path) {
    JsonNode n = root;
    for (String part : List.of(path.split("\\."))) {
      n = part.matches("\\d+") && n.isArray() ? n.get(Integer.parseInt(part)) : n.get(part);
      if (n == null) {
        return null;
      }
    }
    return n;
  }
}
