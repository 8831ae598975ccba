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
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
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
            List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
            finitePairs(e.getValue(), xs, ys);
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

    /** Appends the points of {@code xy} ({x[], y[]}) where both coordinates are finite (a line skips undefined values). */
    private static void finitePairs(double[][] xy, List<Double> xs, List<Double> ys) {
        for (int k = 0; k < xy[0].length; k++) {
            if (Double.isFinite(xy[0][k]) && Double.isFinite(xy[1][k])) {
                xs.add(xy[0][k]);
                ys.add(xy[1][k]);
            }
        }
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

    // ---- figures with one shared legend: small multiples and scatters (added for the trajectory section) ----

    /** One legend entry: a label with its colour (null: grey), its marker (null: a line). */
    public record LegendEntry(String label, Color colour, Marker marker) {}

    /** One panel of a small-multiples figure: its title, y-axis title, and series name to {x[], y[]}. */
    public record Panel(String title, String yLabel, Map<String, double[][]> series) {}

    /**
     * Small multiples: one panel per {@link Panel}, {@code columns} to a row, every panel on the same x range
     * (and the same y range when {@code sharedY}); a series keeps its colour in every panel, and one legend
     * below names the series once.
     */
    static final int PANEL_WIDTH = 300, PANEL_HEIGHT = 220;

    public static BufferedImage smallMultiples(String title, String xLabel, List<Panel> panels, int columns, boolean sharedY) {
        int pw = PANEL_WIDTH, ph = PANEL_HEIGHT, top = 28;
        Map<String, Color> colours = new LinkedHashMap<>();
        double xlo = Double.POSITIVE_INFINITY, xhi = Double.NEGATIVE_INFINITY, ylo = Double.POSITIVE_INFINITY, yhi = Double.NEGATIVE_INFINITY;
        for (Panel p : panels) {
            for (Map.Entry<String, double[][]> e : p.series().entrySet()) {
                colours.computeIfAbsent(e.getKey(), k -> COLOURS[colours.size() % COLOURS.length]);
                double[] x = e.getValue()[0], y = e.getValue()[1];
                for (int k = 0; k < x.length; k++) {
                    if (!Double.isFinite(x[k]) || !Double.isFinite(y[k])) continue;
                    xlo = Math.min(xlo, x[k]);
                    xhi = Math.max(xhi, x[k]);
                    ylo = Math.min(ylo, y[k]);
                    yhi = Math.max(yhi, y[k]);
                }
            }
        }
        List<LegendEntry> legend = new ArrayList<>();
        colours.forEach((k, v) -> legend.add(new LegendEntry(k, v, null)));
        int cols = Math.max(1, Math.min(columns, panels.size())), rows = (panels.size() + cols - 1) / cols;
        int legendH = legendHeight(legend, cols * pw);
        BufferedImage out = new BufferedImage(cols * pw, top + rows * ph + legendH, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, 8, 19);
        for (int i = 0; i < panels.size(); i++) {
            Panel p = panels.get(i);
            XYChart c = new XYChartBuilder().width(pw).height(ph).title(p.title()).xAxisTitle(xLabel).yAxisTitle(p.yLabel()).build();
            style(c);
            c.getStyler().setLegendVisible(false);
            // solid light grid lines: dashed ones, antialiased, cost most of a panel's bytes
            c.getStyler().setPlotGridLinesStroke(new BasicStroke(1f));
            c.getStyler().setPlotGridLinesColor(new Color(235, 235, 235));
            c.getStyler().setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 11));
            c.getStyler().setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
            c.getStyler().setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 9));
            if (xhi > xlo) {
                c.getStyler().setXAxisMin(xlo);
                c.getStyler().setXAxisMax(xhi);
            }
            if (sharedY && yhi > ylo) {
                c.getStyler().setYAxisMin(ylo);
                c.getStyler().setYAxisMax(yhi);
            }
            int added = 0;
            for (Map.Entry<String, double[][]> e : p.series().entrySet()) {
                List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
                finitePairs(e.getValue(), xs, ys);
                if (xs.isEmpty()) continue;
                XYSeries s = c.addSeries(e.getKey(), xs, ys);
                Color col = colours.get(e.getKey());
                s.setLineColor(col);
                s.setMarkerColor(col);
                s.setMarker(xs.size() > 40 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
                s.setLineStyle(new BasicStroke(1.4f));
                added++;
            }
            if (added == 0) {
                c.setTitle(p.title() + " (no values)");
                c.addSeries("none", new double[] {Double.isFinite(xlo) ? xlo : 0}, new double[] {0}).setMarker(SeriesMarkers.NONE);
            }
            c.getStyler().setMarkerSize(4);
            g.drawImage(BitmapEncoder.getBufferedImage(c), (i % cols) * pw, top + (i / cols) * ph, null);
        }
        drawLegend(g, legend, 0, top + rows * ph, cols * pw);
        g.dispose();
        return out;
    }

    /**
     * The scatter of {@link #scatter} with one shared legend beside it: the colours once (titled
     * {@code colourKey}: what a point's colour stands for, "objective" or "run") and the markers (query sets)
     * once, instead of one entry per (colour, marker) pair.
     */
    public static BufferedImage scatterWithSharedLegend(String title, String xLabel, String yLabel, List<Point> points, String colourKey) {
        return scatterWithSharedLegend(title, xLabel, yLabel, points, colourKey, c -> {});
    }

    /** As {@link #scatterWithSharedLegend(String, String, String, List, String)}, with {@code extra} drawn into the chart (an identity line). */
    public static BufferedImage scatterWithSharedLegend(String title, String xLabel, String yLabel, List<Point> points, String colourKey,
                                                        java.util.function.Consumer<XYChart> extra) {
        XYChart c = scatter(title, xLabel, yLabel, points);
        extra.accept(c);
        c.getStyler().setLegendVisible(false);
        List<LegendEntry> legend = scatterLegend(points);
        BufferedImage chart = BitmapEncoder.getBufferedImage(c);
        int lw = 170;
        BufferedImage out = new BufferedImage(chart.getWidth() + lw, chart.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.drawImage(chart, 0, 0, null);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        int y = 40;
        boolean markers = legend.stream().anyMatch(e -> e.colour() == null);
        for (int i = 0; i < legend.size(); i++) {
            LegendEntry e = legend.get(i);
            if (i == 0 || (e.colour() == null && legend.get(i - 1).colour() != null)) {
                g.setColor(Color.BLACK);
                g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 11));
                g.drawString(e.colour() != null ? (markers ? "colour: " + colourKey : colourKey) : "marker: query set", chart.getWidth() + 4, y);
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
                y += 17;
            }
            g.setColor(e.colour() != null ? e.colour() : Color.DARK_GRAY);
            e.marker().paint(g, chart.getWidth() + 14, y - 4, 8);
            g.setColor(Color.BLACK);
            g.drawString(e.label(), chart.getWidth() + 26, y);
            y += 16;
            if (i + 1 < legend.size() && legend.get(i + 1).colour() == null && e.colour() != null) y += 10;
        }
        g.dispose();
        return out;
    }

    /**
     * The shared legend of a scatter: one entry per colour group (a circle in its colour), then, when there
     * is more than one marker group, one per marker group (its marker in grey, colour null).
     */
    public static List<LegendEntry> scatterLegend(List<Point> points) {
        Map<String, Integer> colours = new LinkedHashMap<>(), markers = new LinkedHashMap<>();
        for (Point p : points) {
            if (!Double.isFinite(p.x()) || !Double.isFinite(p.y())) continue;
            colours.computeIfAbsent(p.colour(), k -> colours.size());
            markers.computeIfAbsent(p.marker(), k -> markers.size());
        }
        List<LegendEntry> out = new ArrayList<>();
        colours.forEach((k, i) -> out.add(new LegendEntry(k, COLOURS[i % COLOURS.length], SeriesMarkers.CIRCLE)));
        if (markers.size() > 1) markers.forEach((k, i) -> out.add(new LegendEntry(k, null, MARKERS[i % MARKERS.length])));
        return out;
    }

    private static int legendHeight(List<LegendEntry> legend, int width) {
        int perRow = Math.max(1, width / 150);
        return 12 + ((legend.size() + perRow - 1) / perRow) * 18;
    }

    /** A line legend in rows below a figure: a short line in the series' colour, then its name. */
    private static void drawLegend(Graphics2D g, List<LegendEntry> legend, int x0, int y0, int width) {
        int perRow = Math.max(1, width / 150);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        for (int i = 0; i < legend.size(); i++) {
            int x = x0 + 10 + (i % perRow) * 150, y = y0 + 16 + (i / perRow) * 18;
            g.setColor(legend.get(i).colour());
            g.setStroke(new BasicStroke(3f));
            g.drawLine(x, y - 4, x + 22, y - 4);
            g.setColor(Color.BLACK);
            g.drawString(legend.get(i).label(), x + 28, y);
        }
    }
}
