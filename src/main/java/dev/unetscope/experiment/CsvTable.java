package dev.unetscope.experiment;

import dev.unetscope.io.AtomicFile;
import dev.unetscope.io.BadInputException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A results table: a header and rows of strings, read and written whole (temporary file, then
 * rename). Numbers are written with {@link #num}, so every figure a report shows can be re-read.
 */
public final class CsvTable {
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    public CsvTable(List<String> header) {
        this.header = List.copyOf(header);
    }

    public List<String> header() {
        return header;
    }

    public List<List<String>> rows() {
        return rows;
    }

    public int size() {
        return rows.size();
    }

    public void add(List<?> row) {
        if (row.size() != header.size()) {
            throw new IllegalArgumentException("row has " + row.size() + " cells, header " + header.size());
        }
        List<String> r = new ArrayList<>(row.size());
        for (Object o : row) r.add(o instanceof Double d ? num(d) : o instanceof Float f ? num(f) : String.valueOf(o));
        rows.add(r);
    }

    public void removeIf(Predicate<Map<String, String>> p) {
        rows.removeIf(r -> p.test(asMap(r)));
    }

    public int column(String name) {
        int i = header.indexOf(name);
        if (i < 0) throw new IllegalArgumentException("no column " + name + " in " + header);
        return i;
    }

    public Map<String, String> asMap(List<String> row) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < header.size(); i++) m.put(header.get(i), row.get(i));
        return m;
    }

    public List<Map<String, String>> records() {
        List<Map<String, String>> l = new ArrayList<>();
        for (List<String> r : rows) l.add(asMap(r));
        return l;
    }

    /** Shortest text that reads back as the same double; NaN as "NaN". */
    public static String num(double d) {
        if (Double.isNaN(d)) return "NaN";
        if (d == Math.rint(d) && Math.abs(d) < 1e15) return Long.toString((long) d);
        return Double.toString(d);
    }

    public void write(Path file) {
        AtomicFile.write(file, out -> {
            OutputStreamWriter w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            try (CSVPrinter p = new CSVPrinter(w, CSVFormat.DEFAULT.builder().setRecordSeparator('\n').get())) {
                p.printRecord(header);
                for (List<String> r : rows) p.printRecord(r);
                p.flush();
            }
        });
    }

    /** Reads a table; a missing file gives an empty table with {@code header}; another header is an error. */
    public static CsvTable readOrEmpty(Path file, List<String> header) {
        if (!Files.isRegularFile(file)) return new CsvTable(header);
        CsvTable t = read(file);
        if (!t.header.equals(header)) {
            throw new BadInputException(file, "has columns " + t.header + ", this version writes " + header,
                    "move the old file away and re-run the stage");
        }
        return t;
    }

    public static CsvTable read(Path file) {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8);
             CSVParser p = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(r)) {
            CsvTable t = new CsvTable(p.getHeaderNames());
            for (CSVRecord rec : p) {
                List<String> row = new ArrayList<>();
                rec.forEach(row::add);
                if (row.size() != t.header.size()) {
                    throw new BadInputException(file, "row " + rec.getRecordNumber() + " has " + row.size() + " cells, the header " + t.header.size(),
                            "the table is damaged; move it away and re-run the stage");
                }
                t.rows.add(row);
            }
            return t;
        } catch (IOException | IllegalStateException | IllegalArgumentException e) {
            throw new BadInputException(file, "is not a readable CSV table: " + e.getMessage(), "move it away and re-run the stage");
        }
    }

    /** The header of a table, reading only its first record. */
    public static List<String> header(Path file) {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8);
             CSVParser p = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(r)) {
            return List.copyOf(p.getHeaderNames());
        } catch (IOException | IllegalStateException | IllegalArgumentException e) {
            throw new BadInputException(file, "is not a readable CSV table: " + e.getMessage(), "move it away and re-run the stage");
        }
    }

    /**
     * Reads a table keeping only the rows (cells in header order) {@code keep} accepts, one row at a time, so a large table
     * (840,000 case rows at the seed's scale) costs the memory of the rows kept. A {@code keep} that returns false and
     * remembers what it needs is a pass over the table that holds nothing.
     */
    public static CsvTable read(Path file, Predicate<List<String>> keep) {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8);
             CSVParser p = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get().parse(r)) {
            CsvTable t = new CsvTable(p.getHeaderNames());
            for (CSVRecord rec : p) {
                if (rec.size() != t.header.size()) {
                    throw new BadInputException(file, "row " + rec.getRecordNumber() + " has " + rec.size() + " cells, the header " + t.header.size(),
                            "the table is damaged; move it away and re-run the stage");
                }
                List<String> row = rec.toList();
                if (keep.test(row)) t.rows.add(new ArrayList<>(row));
            }
            return t;
        } catch (IOException | IllegalStateException | IllegalArgumentException e) {
            throw new BadInputException(file, "is not a readable CSV table: " + e.getMessage(), "move it away and re-run the stage");
        }
    }

    /**
     * Reads a table whose header starts with {@code required} and adds any of {@code extra} it lacks
     * (blank cells); null when the file does not exist.
     */
    public static CsvTable readWithColumns(Path file, List<String> required, List<String> extra) {
        if (!Files.isRegularFile(file)) return null;
        CsvTable t = read(file);
        if (t.header.size() < required.size() || !t.header.subList(0, required.size()).equals(required)) {
            throw new BadInputException(file, "has columns " + t.header + ", expected them to start with " + required,
                    "move the old file away and re-run the stage");
        }
        List<String> h = new ArrayList<>(t.header);
        for (String c : extra) if (!h.contains(c)) h.add(c);
        if (h.size() == t.header.size()) return t;
        CsvTable u = new CsvTable(h);
        for (List<String> r : t.rows) {
            List<String> row = new ArrayList<>(r);
            while (row.size() < h.size()) row.add("");
            u.rows.add(row);
        }
        return u;
    }
}
