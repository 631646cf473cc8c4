package dev.kvmop.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.kvmop.concurrent.DaemonThreads;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/** Serves /metrics (Prometheus text or OpenMetrics), /healthz and /readyz. */
public final class MetricsServer implements AutoCloseable {
  private static final String OPENMETRICS =
      "application/openmetrics-text; version=1.0.0; charset=utf-8";
  private static final String TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;

  public MetricsServer(
      int port, PrometheusMeterRegistry registry, BooleanSupplier healthy, BooleanSupplier ready)
      throws IOException {
    server = HttpServer.create(new InetSocketAddress(port), 0);
    server.setExecutor(Executors.newSingleThreadExecutor(DaemonThreads.named("metrics-http")));
    server.createContext("/metrics", ex -> scrape(ex, registry));
    server.createContext("/healthz", ex -> probe(ex, healthy));
    server.createContext("/readyz", ex -> probe(ex, ready));
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void scrape(HttpExchange ex, PrometheusMeterRegistry registry) throws IOException {
    String accept = ex.getRequestHeaders().getFirst("Accept");
    String type =
        accept != null && accept.contains("application/openmetrics-text") ? OPENMETRICS : TEXT;
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    registry.scrape(body, type);
    send(ex, 200, type, body.toByteArray());
  }

  private static void probe(HttpExchange ex, BooleanSupplier check) throws IOException {
    boolean ok = check.getAsBoolean();
    send(
        ex,
        ok ? 200 : 503,
        "text/plain",
        (ok ? "ok\n" : "not ready\n").getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange ex, int status, String type, byte[] body)
      throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
