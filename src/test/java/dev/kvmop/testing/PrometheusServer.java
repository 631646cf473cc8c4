package dev.kvmop.testing;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Debian's real Prometheus on a free 127.0.0.1 port: scrapes one target the way the Prometheus
 * Operator scrapes the shipped ServiceMonitor, evaluates a rule file, answers the HTTP API.
 */
public final class PrometheusServer implements AutoCloseable {
  public static final Path BINARY = Path.of("/usr/bin/prometheus");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final Path dir;
  private final HttpClient http = HttpClient.newHttpClient();
  private int port;
  private Process process;

  public PrometheusServer(Path dir) {
    this.dir = dir;
  }

  public static boolean available() {
    return Files.isExecutable(BINARY);
  }

  /**
   * The scrape job the Prometheus Operator generates from {@code deploy/servicemonitor.yaml} for
   * one operator pod: its path and honorLabels, and the target labels it attaches (namespace,
   * service, pod, container, endpoint, job), with {@code interval} instead of the shipped one.
   */
  public static String serviceMonitorJob(Path serviceMonitor, String target, String interval) {
    try {
      JsonNode endpoint =
          YAML.readTree(serviceMonitor.toFile()).path("spec").path("endpoints").get(0);
      String namespace =
          YAML.readTree(Path.of("deploy/kustomization.yaml").toFile()).path("namespace").asText();
      Map<String, String> labels = new TreeMap<>();
      labels.put("namespace", namespace);
      labels.put("service", "kvm-operator-metrics");
      labels.put("job", "kvm-operator-metrics");
      labels.put("pod", "kvm-operator-e2e");
      labels.put("container", "operator");
      labels.put("endpoint", endpoint.path("port").asText());
      Map<String, Object> job = new TreeMap<>();
      job.put("job_name", "serviceMonitor/" + namespace + "/kvm-operator/0");
      job.put("honor_labels", endpoint.path("honorLabels").asBoolean(false));
      job.put("metrics_path", endpoint.path("path").asText("/metrics"));
      job.put("scrape_interval", interval);
      job.put("static_configs", List.of(Map.of("targets", List.of(target), "labels", labels)));
      return YAML.writeValueAsString(job);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Starts with one scrape job (YAML of a scrape_configs entry), the rule file, and scrape and rule
   * evaluation every {@code interval}; returns once /-/ready answers.
   */
  public synchronized PrometheusServer start(String scrapeJob, Path rules, String interval) {
    try {
      port = freePort();
      Map<String, Object> config = new TreeMap<>();
      config.put("global", Map.of("scrape_interval", interval, "evaluation_interval", interval));
      config.put("rule_files", List.of(rules.toAbsolutePath().toString()));
      config.put("scrape_configs", List.of(YAML.readValue(scrapeJob, Map.class)));
      Path file = dir.resolve("prometheus.yml");
      YAML.writeValue(file.toFile(), config);
      List<String> cmd =
          List.of(
              BINARY.toString(),
              "--config.file=" + file,
              "--storage.tsdb.path=" + dir.resolve("data"),
              "--web.listen-address=127.0.0.1:" + port,
              "--log.level=warn");
      process =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("prometheus.log").toFile())
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> !process.isAlive() || status("/-/ready") == 200);
    if (!process.isAlive()) {
      throw new IllegalStateException("prometheus exited at start:\n" + log());
    }
    return this;
  }

  public int port() {
    return port;
  }

  /** An instant query's result series (each with {@code metric} and {@code value}). */
  public List<JsonNode> query(String promql) {
    JsonNode body = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    if (!"success".equals(body.path("status").asText())) {
      throw new IllegalArgumentException("query failed: " + promql + ": " + body);
    }
    List<JsonNode> out = new ArrayList<>();
    body.path("data").path("result").forEach(out::add);
    return out;
  }

  /** One active alert as {@code /api/v1/alerts} lists it. */
  public record Alert(String name, String state, Map<String, String> labels, String activeAt) {}

  public List<Alert> alerts() {
    List<Alert> out = new ArrayList<>();
    for (JsonNode a : get("/api/v1/alerts").path("data").path("alerts")) {
      Map<String, String> labels = new TreeMap<>();
      a.path("labels")
          .fields()
          .forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
      out.add(
          new Alert(
              labels.get("alertname"),
              a.path("state").asText(),
              labels,
              a.path("activeAt").asText()));
    }
    return out;
  }

  /** The health of the scrape target ("up", "down" or "unknown") and its last error. */
  public String targetHealth() {
    JsonNode t = get("/api/v1/targets").path("data").path("activeTargets").path(0);
    return t.path("health").asText() + " " + t.path("lastError").asText();
  }

  public String log() {
    try {
      Path log = dir.resolve("prometheus.log");
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  @Override
  public synchronized void close() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  private JsonNode get(String path) {
    try {
      HttpResponse<String> r =
          http.send(request(path), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private int status(String path) {
    try {
      return http.send(request(path), HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private HttpRequest request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10))
        .build();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
