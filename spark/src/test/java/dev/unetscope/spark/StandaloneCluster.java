package dev.unetscope.spark;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Spark standalone cluster on 127.0.0.1 for tests: a Master and {@code workers} Workers, each
 * in its own JVM started from Spark's own classes on this JVM's class path, bound to loopback on free
 * ports (REST server off), {@code coresEach} cores each. {@link #close} kills them and their executors.
 */
final class StandaloneCluster implements AutoCloseable {
    private final List<Process> processes = new ArrayList<>();
    private final List<Process> workers = new ArrayList<>();
    private final int port;
    private final int uiPort;

    StandaloneCluster(Path dir, int nWorkers, int coresEach, Duration startTimeout) throws IOException, InterruptedException {
        Path home = Files.createDirectories(dir.resolve("spark-home"));
        Files.createDirectories(home.resolve("jars")); // Workers want SPARK_HOME/jars, even empty: executors get the class path from the driver
        Path log4j = dir.resolve("log4j2.properties");
        Files.writeString(log4j, "rootLogger.level = warn\nrootLogger.appenderRef.stderr.ref = console\nappender.console.type = Console\n"
                + "appender.console.name = console\nappender.console.target = SYSTEM_ERR\nappender.console.layout.type = PatternLayout\n"
                + "appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n\n");
        port = freePort();
        uiPort = freePort();
        try {
            processes.add(start(dir, home, log4j, "master", "org.apache.spark.deploy.master.Master",
                    List.of("--host", "127.0.0.1", "--port", Integer.toString(port), "--webui-port", Integer.toString(uiPort))));
            for (int i = 0; i < nWorkers; i++) {
                Path work = Files.createDirectories(dir.resolve("worker-" + i));
                Process w = start(dir, home, log4j, "worker-" + i, "org.apache.spark.deploy.worker.Worker",
                        List.of("--host", "127.0.0.1", "--port", Integer.toString(freePort()), "--webui-port", Integer.toString(freePort()),
                                "--cores", Integer.toString(coresEach), "--memory", "1g", "--work-dir", work.toString(), url()));
                processes.add(w);
                workers.add(w);
            }
            awaitWorkers(nWorkers, startTimeout);
        } catch (IOException | InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
    }

    String url() {
        return "spark://127.0.0.1:" + port;
    }

    /** The executor JVMs worker {@code i} started (CoarseGrainedExecutorBackend), oldest first. */
    List<ProcessHandle> executors(int i) {
        return workers.get(i).descendants().filter(p -> commandLine(p).contains("CoarseGrainedExecutorBackend")).toList();
    }

    /** The whole command line: ProcessHandle.Info gives none for one as long as an executor's class path. */
    private static String commandLine(ProcessHandle p) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline")), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return p.info().commandLine().orElse("");
        }
    }

    private Process start(Path dir, Path home, Path log4j, String name, String main, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), "-Dlog4j2.configurationFile=" + log4j.toUri(),
                "-Dspark.master.rest.enabled=false", "-Dspark.ui.showConsoleProgress=false"));
        for (String p : List.of("java.lang", "java.lang.invoke", "java.lang.reflect", "java.io", "java.net", "java.nio", "java.util", "java.util.concurrent",
                "java.util.concurrent.atomic", "sun.nio.ch", "sun.nio.cs", "sun.security.action", "sun.util.calendar")) {
            cmd.add("--add-opens=java.base/" + p + "=ALL-UNNAMED");
        }
        cmd.add(main);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile());
        pb.environment().put("SPARK_HOME", home.toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1"); // else the web UIs listen on every interface
        pb.environment().put("SPARK_LOCAL_DIRS", java.nio.file.Files.createDirectories(dir.resolve("local-" + name)).toString());
        return pb.start();
    }

    /** Polls the Master's JSON status until {@code n} workers are alive. */
    private void awaitWorkers(int n, Duration timeout) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        Pattern alive = Pattern.compile("\"aliveworkers\"\\s*:\\s*(\\d+)");
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            for (Process p : processes) if (!p.isAlive()) throw new IllegalStateException("a Spark daemon exited early (code " + p.exitValue() + ")");
            try {
                String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + uiPort + "/json/")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                Matcher m = alive.matcher(body);
                if (m.find() && Integer.parseInt(m.group(1)) >= n) return;
            } catch (IOException notYet) {
                // the Master is still starting
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("the Spark cluster did not get " + n + " workers in " + timeout.toSeconds() + " s");
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static Optional<ProcessHandle> first(List<ProcessHandle> l) {
        return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
    }
}
