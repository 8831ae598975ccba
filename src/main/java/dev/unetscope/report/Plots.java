package dev.unetscope.report;

import dev.unetscope.io.AtomicFile;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The report's charts (XChart, written as PNG). */
public final class Plots {
    private Plots() {}

    static final Color[] COLOURS = {new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44), new Color(214, 39, 40),
            new Color(148, 103, 189), new Color(140, 86, 75), new Color(227, 119, 194), new Color(127, 127, 127)};
    static final Marker[] MARKERS = {SeriesMarkers.CIRCLE, SeriesMarkers.SQUARE, SeriesMarkers.DIAMOND, SeriesMarkers.TRIANGLE_UP,
            SeriesMarkers.TRIANGLE_DOWN, SeriesMarkers.CROSS, SeriesMarkers.PLUS, SeriesMarkers.OVAL, SeriesMarkers.RECTANGLE};

    /** One point of a scatter plot, with the colour group (objective) and the marker group (query set). */
    public record Point(double x, double y, String colour, String marker) {}

    public static XYChart scatter(String title, String xLabel, String yLabel, List<Point> points) {
        XYChart c = new XYChartBuilder().width(780).height(600).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        style(c);
        // one legend entry per (colour, marker) pair: a column beside the plot keeps them all readable
        c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideE);
        c.getStyler().setLegendLayout(org.knowm.xchart.style.Styler.LegendLayout.Vertical);
        c.getStyler().setLegendFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.PLAIN, 10));
        c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        c.getStyler().setMarkerSize(7);
        Map<String, Integer> colours = new LinkedHashMap<>(), markers = new LinkedHashMap<>();
        Map<String, List<Point>> series = new LinkedHashMap<>();
        for (Point p : points) {
            if (!Double.isFinite(p.x()) || !Double.isFinite(p.y())) continue;
            colours.computeIfAbsent(p.colour(), k -> colours.size());
            markers.computeIfAbsent(p.marker(), k -> markers.size());
            series.computeIfAbsent(p.colour() + " / " + p.marker(), k -> new ArrayList<>()).add(p);
        }
        if (series.isEmpty()) {
            c.addSeries("no finite values", new double[] {0}, new double[] {0}).setMarker(SeriesMarkers.NONE);
            return c;
        }
        for (Map.Entry<String, List<Point>> e : series.entrySet()) {
            Point first = e.getValue().get(0);
            // a single marker group (one point per checkpoint) needs no marker in the legend
            XYSeries s = c.addSeries(markers.size() == 1 ? first.colour() : e.getKey(), e.getValue().stream().mapToDouble(Point::x).toArray(), e.getValue().stream().mapToDouble(Point::y).toArray());
            s.setMarkerColor(COLOURS[colours.get(first.colour()) % COLOURS.length]);
            s.setMarker(MARKERS[markers.get(first.marker()) % MARKERS.length]);
        }
        return c;
    }

    /** Lines: one series per name, x and y in order. */
    public static XYChart lines(String title, String xLabel, String yLabel, Map<String, double[][]> series) {
        XYChart c = new XYChartBuilder().width(560).height(380).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        style(c);
        int i = 0;
        for (Map.Entry<String, double[][]> e : series.entrySet()) {
            double[] x = e.getValue()[0], y = e.getValue()[1];
            List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
            for (int k = 0; k < x.length; k++) {
                if (Double.isFinite(x[k]) && Double.isFinite(y[k])) {
                    xs.add(x[k]);
                    ys.add(y[k]);
                }
            }
            if (xs.isEmpty()) continue;
            XYSeries s = c.addSeries(e.getKey(), xs, ys);
            s.setLineColor(COLOURS[i % COLOURS.length]);
            s.setMarkerColor(COLOURS[i % COLOURS.length]);
            s.setMarker(xs.size() > 40 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
            s.setLineStyle(new BasicStroke(1.6f));
            i++;
        }
        if (i == 0) c.addSeries("no data", new double[] {0}, new double[] {0});
        return c;
    }

    /** Adds the identity line y = x over [lo, hi]. */
    public static void identity(XYChart c, double lo, double hi) {
        XYSeries s = c.addSeries("identity", new double[] {lo, hi}, new double[] {lo, hi});
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(Color.GRAY);
    }

    private static void style(XYChart c) {
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setPlotBackgroundColor(Color.WHITE);
        c.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideS);
        c.getStyler().setLegendLayout(org.knowm.xchart.style.Styler.LegendLayout.Horizontal);
        c.getStyler().setChartTitleFont(new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.BOLD, 13));
    }

    public static void write(XYChart c, Path file) {
        AtomicFile.write(file, out -> BitmapEncoder.saveBitmap(c, out, BitmapEncoder.BitmapFormat.PNG));
    }

    public static void writeImage(java.awt.image.BufferedImage img, Path file) {
        AtomicFile.write(file, out -> {
            if (!javax.imageio.ImageIO.write(img, "png", out)) throw new IOException("no PNG writer");
        });
    }
}
