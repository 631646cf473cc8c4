package dev.kvmop.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
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
import java.util.concurrent.TimeUnit;

/**
 * The built operator jar ({@code target/kvm-operator.jar run}) as a separate JVM, pointed at a test
 * API through a kubeconfig. A separate process, so tests can kill it at any moment and start it
 * again while the API and the hosts live on.
 */
public final class OperatorProcess implements AutoCloseable {
  private final Path kubeconfig;
  private final Path log;
  private final List<String> extraArgs;
  private final java.util.Map<String, String> env;
  private final int metricsPort;
  private boolean serverSideApply;
  private Process process;

  public OperatorProcess(Path kubeconfig, Path log, List<String> extraArgs) {
    this(kubeconfig, log, extraArgs, java.util.Map.of());
  }

  public OperatorProcess(
      Path kubeconfig, Path log, List<String> extraArgs, java.util.Map<String, String> env) {
    this.kubeconfig = kubeconfig;
    this.log = log;
    this.env = java.util.Map.copyOf(env);
    this.extraArgs = List.copyOf(extraArgs);
    this.metricsPort = freePort();
  }

  /**
   * Server-side apply on (the default of {@code run}, what a cluster gets); off by default here
   * because the embedded CRUD API has none.
   */
  public OperatorProcess serverSideApply(boolean on) {
    serverSideApply = on;
    return this;
  }

  public static Path jar() {
    Path jar = Path.of(System.getProperty("operator.jar", "target/kvm-operator.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " missing: E2E tests run after `mvn package`");
    }
    return jar;
  }

  public synchronized OperatorProcess start() {
    return start(true);
  }

  /**
   * @param awaitReady wait for {@code /readyz}; false for an operator armed with a crash point,
   *     which may halt before it is ever ready
   */
  public synchronized OperatorProcess start(boolean awaitReady) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    if (!env.containsKey("JAVA_TOOL_OPTIONS")) {
      // Test operators live seconds to minutes and are restarted often: C1 alone starts them with
      // much less CPU on the 2-core machines. The bench passes the production flags instead.
      cmd.add("-XX:+UseSerialGC");
      cmd.add("-XX:TieredStopAtLevel=1");
    }
    cmd.add("-jar");
    cmd.add(jar().toString());
    cmd.add("run");
    if (!serverSideApply) {
      cmd.add("--no-server-side-apply");
    }
    cmd.add("--metrics-port");
    cmd.add(Integer.toString(metricsPort));
    cmd.addAll(extraArgs);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().put("KUBECONFIG", kubeconfig.toString());
    // The CRUD API's HTTP/2 (h2c) path loses watch events under load; HTTP/1.1 does not.
    pb.environment().put("KUBERNETES_HTTP2_DISABLE", "true");
    pb.environment().putAll(env);
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (!awaitReady) {
      return this;
    }
    try {
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> !process.isAlive() || httpStatus("/readyz") == 200);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      threadDumpIntoLog();
      throw new IllegalStateException("operator not ready within 60 s; threads in " + log, e);
    }
    if (!process.isAlive()) {
      throw new IllegalStateException("operator exited at start; log:\n" + log());
    }
    return this;
  }

  /** What every thread of a stuck operator waits for, appended to its log (jcmd of the JDK). */
  private void threadDumpIntoLog() {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    try {
      new ProcessBuilder(jcmd.toString(), Long.toString(process.pid()), "Thread.print")
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .start()
          .waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** SIGKILL: the crash case. */
  public synchronized void kill() {
    if (process != null) {
      process.destroyForcibly();
      waitFor();
    }
  }

  /** SIGTERM: graceful shutdown. */
  public synchronized void stop() {
    if (process != null) {
      process.destroy();
      waitFor();
    }
  }

  /** Waits for the process to end by itself (a crash point), up to the timeout. */
  public boolean awaitExit(Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The exit code of a process that has ended (137 for a crash point's halt). */
  public int exitCode() {
    return process.exitValue();
  }

  public boolean isAlive() {
    return process != null && process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  /** The port of /metrics, /healthz and /readyz. */
  public int metricsPort() {
    return metricsPort;
  }

  public String metrics() {
    return get("/metrics");
  }

  /** Sum of a metric's samples whose line contains every given fragment. */
  public double metricSum(String name, String... fragments) {
    double sum = 0;
    for (String line : metrics().split("\n")) {
      if (!line.startsWith(name + "{") && !line.startsWith(name + " ")) {
        continue;
      }
      boolean all = true;
      for (String f : fragments) {
        all &= line.contains(f);
      }
      if (all) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  public String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private void waitFor() {
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private int httpStatus(String path) {
    try {
      return HttpClient.newHttpClient()
          .send(request(path), HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private String get(String path) {
    try {
      return HttpClient.newHttpClient()
          .send(request(path), HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private HttpRequest request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + path))
        .timeout(Duration.ofSeconds(5))
        .build();
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    kill();
  }
}
