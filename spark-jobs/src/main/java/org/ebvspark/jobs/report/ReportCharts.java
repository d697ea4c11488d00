package org.ebvspark.jobs.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Rectangle;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYBarRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYIntervalSeries;
import org.jfree.data.xy.XYIntervalSeriesCollection;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;

/**
 * The report's charts, drawn by JFreeChart into SVG (JFreeSVG): each is an {@code <svg>} element
 * that the page inlines and that is also written as a file. Text in a chart (titles, series and
 * class names) is escaped by JFreeSVG as XML.
 */
final class ReportCharts {
  static final int WIDTH = 640;
  static final int HEIGHT = 360;
  private static final Font FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

  /** One line of a line chart. */
  record Line(String name, double[] x, double[] y) {}

  /** A chart: a file name (without .svg) and its SVG element. */
  record Chart(String name, String title, String svg) {}

  static {
    System.setProperty("java.awt.headless", "true");
  }

  private ReportCharts() {}

  static Chart lines(
      String name, String title, String xLabel, String yLabel, List<Line> lines, boolean logY) {
    XYSeriesCollection data = new XYSeriesCollection();
    for (Line l : lines) {
      XYSeries s = new XYSeries(l.name(), false, true);
      for (int i = 0; i < l.x().length; i++) {
        if (Double.isFinite(l.y()[i]) && (!logY || l.y()[i] > 0)) {
          s.add(l.x()[i], l.y()[i]);
        }
      }
      data.addSeries(s);
    }
    JFreeChart chart =
        ChartFactory.createXYLineChart(
            title, xLabel, yLabel, data, PlotOrientation.VERTICAL, lines.size() > 1, false, false);
    XYPlot plot = chart.getXYPlot();
    if (logY) {
      LogAxis axis = new LogAxis(yLabel);
      axis.setSmallestValue(1e-8);
      plot.setRangeAxis(axis);
    }
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
    for (int i = 0; i < lines.size(); i++) {
      renderer.setSeriesStroke(i, new BasicStroke(1.6f));
      renderer.setSeriesShapesVisible(i, lines.get(i).x().length <= 40);
    }
    plot.setRenderer(renderer);
    return render(name, title, chart);
  }

  /**
   * Bars over [edges[i], edges[i + 1]) with vertical markers (e.g. alpha, the maximum, the Welch
   * bound), and optionally the diagonal y = x (a reliability diagram).
   */
  static Chart bars(
      String name,
      String title,
      String xLabel,
      String yLabel,
      String series,
      double[] edges,
      double[] heights,
      List<Marker> markers,
      boolean diagonal) {
    XYIntervalSeries s = new XYIntervalSeries(series);
    for (int i = 0; i < heights.length; i++) {
      if (Double.isFinite(heights[i])) {
        s.add((edges[i] + edges[i + 1]) / 2, edges[i], edges[i + 1], heights[i], 0, heights[i]);
      }
    }
    XYIntervalSeriesCollection data = new XYIntervalSeriesCollection();
    data.addSeries(s);
    JFreeChart chart =
        ChartFactory.createXYBarChart(
            title, xLabel, false, yLabel, data, PlotOrientation.VERTICAL, diagonal, false, false);
    XYPlot plot = chart.getXYPlot();
    XYBarRenderer renderer = (XYBarRenderer) plot.getRenderer();
    renderer.setShadowVisible(false);
    renderer.setDrawBarOutline(true);
    renderer.setSeriesOutlinePaint(0, Color.WHITE);
    renderer.setSeriesPaint(0, new Color(0x4C78A8));
    if (diagonal) {
      XYSeriesCollection line = new XYSeriesCollection();
      XYSeries d = new XYSeries("perfect calibration");
      d.add(0, 0);
      d.add(1, 1);
      line.addSeries(d);
      plot.setDataset(1, line);
      XYLineAndShapeRenderer lr = new XYLineAndShapeRenderer(true, false);
      lr.setSeriesPaint(0, Color.DARK_GRAY);
      lr.setSeriesStroke(
          0,
          new BasicStroke(
              1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1, new float[] {4, 4}, 0));
      plot.setRenderer(1, lr);
      plot.getDomainAxis().setRange(0, 1);
      plot.getRangeAxis().setRange(0, 1);
    }
    for (Marker m : markers) {
      ValueMarker v = new ValueMarker(m.at(), m.color(), new BasicStroke(1.5f));
      v.setLabel(m.label());
      v.setLabelFont(FONT);
      v.setLabelPaint(m.color());
      v.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
      v.setLabelTextAnchor(TextAnchor.TOP_LEFT);
      plot.addDomainMarker(v);
    }
    return render(name, title, chart);
  }

  /** A vertical line on a bar chart. */
  record Marker(String label, double at, Color color) {}

  /** Stacked bars, one per category (e.g. a run), one segment per series (e.g. a time part). */
  static Chart stacked(
      String name,
      String title,
      String yLabel,
      List<String> categories,
      List<String> series,
      double[][] values) {
    DefaultCategoryDataset data = new DefaultCategoryDataset();
    for (int s = 0; s < series.size(); s++) {
      for (int c = 0; c < categories.size(); c++) {
        data.addValue(values[s][c], series.get(s), categories.get(c));
      }
    }
    JFreeChart chart =
        ChartFactory.createStackedBarChart(
            title, null, yLabel, data, PlotOrientation.HORIZONTAL, true, false, false);
    CategoryPlot plot = chart.getCategoryPlot();
    ((org.jfree.chart.renderer.category.BarRenderer) plot.getRenderer()).setShadowVisible(false);
    ((org.jfree.chart.renderer.category.BarRenderer) plot.getRenderer())
        .setBarPainter(new org.jfree.chart.renderer.category.StandardBarPainter());
    return render(name, title, chart, WIDTH, Math.max(160, 90 + 50 * categories.size()));
  }

  private static Chart render(String name, String title, JFreeChart chart) {
    return render(name, title, chart, WIDTH, HEIGHT);
  }

  private static Chart render(String name, String title, JFreeChart chart, int width, int height) {
    chart.setBackgroundPaint(Color.WHITE);
    chart.getPlot().setBackgroundPaint(new Color(0xF7F7F7));
    if (chart.getTitle() != null) {
      chart.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    }
    SVGGraphics2D g = new SVGGraphics2D(width, height);
    // Several charts share one page: their clip-path ids must not collide.
    g.setDefsKeyPrefix(name + "-");
    chart.draw(g, new Rectangle(0, 0, width, height));
    return new Chart(name, title, g.getSVGElement("chart-" + name));
  }
}
