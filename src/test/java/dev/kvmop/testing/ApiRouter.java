package dev.kvmop.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kvmop.local.ApiRequest;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * One API endpoint for the operator and kubectl in the real-API tier. It exists because the real
 * server there ({@code apiextensions-apiserver}) serves CRDs and custom resources only: Secrets,
 * Events, Namespaces and Leases answer 404. Core ({@code /api/...}), {@code coordination.k8s.io}
 * and {@code events.k8s.io} go to the embedded CRUD API, everything else to the real server, and
 * {@code /apis} discovery is the union of both.
 *
 * <p>Plain HTTP on loopback; every request goes upstream with {@code Connection: close} and the
 * bytes are piped both ways, so watches and WebSocket upgrades stream through unchanged and the end
 * of a response needs no parsing. Every request is reported to a log, as the embedded API's request
 * log does.
 */
public final class ApiRouter implements AutoCloseable {
  private static final Pattern EMBEDDED =
      Pattern.compile("^/api(/.*)?$|^/apis/(coordination\\.k8s\\.io|events\\.k8s\\.io)(/.*)?$");
  private static final Set<String> EMBEDDED_GROUPS = Set.of("coordination.k8s.io", "events.k8s.io");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String AGGREGATED =
      "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

  /** A request answered with a 4xx or 5xx status. */
  public record Failure(ApiRequest request, int status) {}

  /** Every request answered with a 4xx or 5xx status, in order. */
  public final List<Failure> failures = java.util.Collections.synchronizedList(new ArrayList<>());

  private final int embeddedPort;
  private final RealApiServer real;
  private final SSLContext tls;
  private final HttpClient embeddedHttp =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final HttpClient realHttp;
  private final Consumer<ApiRequest> log;
  private final ServerSocket server;
  private final ExecutorService threads =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "api-router");
            t.setDaemon(true);
            return t;
          });

  public ApiRouter(int embeddedPort, RealApiServer real, Consumer<ApiRequest> log) {
    this.embeddedPort = embeddedPort;
    this.real = real;
    this.tls = real.tls();
    this.realHttp =
        HttpClient.newBuilder().sslContext(tls).version(HttpClient.Version.HTTP_1_1).build();
    this.log = log;
    try {
      server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    threads.execute(this::acceptLoop);
  }

  /** {@code http://127.0.0.1:PORT}. */
  public String url() {
    return "http://127.0.0.1:" + server.getLocalPort();
  }

  /** A kubeconfig for this endpoint (no credentials: the router holds the client certificate). */
  public void writeKubeconfig(Path file) {
    String yaml =
        """
        apiVersion: v1
        kind: Config
        clusters: [{name: real-api, cluster: {server: "%s"}}]
        users: [{name: real-api, user: {}}]
        contexts: [{name: real-api, context: {cluster: real-api, user: real-api, namespace: default}}]
        current-context: real-api
        """
            .formatted(url());
    try {
      Files.writeString(file, yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        threads.execute(() -> serve(client));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(Socket client) {
    try (client) {
      InputStream in = new BufferedInputStream(client.getInputStream());
      Head head = Head.read(in);
      if (head == null) {
        return;
      }
      ApiRequest request =
          new ApiRequest(head.method(), head.path(), head.query(), head.header("user-agent"));
      log.accept(request);
      if (head.method().equals("GET") && head.path().equals("/apis")) {
        mergedDiscovery(client.getOutputStream());
        return;
      }
      try (Socket upstream = connect(EMBEDDED.matcher(head.path()).matches())) {
        OutputStream up = upstream.getOutputStream();
        up.write(head.forUpstream());
        up.flush();
        threads.execute(() -> pipe(in, up, upstream));
        InputStream down = upstream.getInputStream();
        byte[] first = new byte[16384];
        int n = down.read(first);
        if (n > 0) {
          recordFailure(request, first, n);
          client.getOutputStream().write(first, 0, n);
          pipe(down, client.getOutputStream(), client);
        }
      }
    } catch (IOException e) {
      // a peer went away: nothing to answer
    }
  }

  /** Reads the status code from the start of a response ("HTTP/1.1 409 Conflict"). */
  private void recordFailure(ApiRequest request, byte[] response, int length) {
    String start = new String(response, 0, Math.min(length, 12), StandardCharsets.US_ASCII);
    if (start.startsWith("HTTP/1.1 ") && start.length() == 12) {
      int status = Integer.parseInt(start.substring(9, 12));
      if (status >= 400) {
        failures.add(new Failure(request, status));
      }
    }
  }

  private Socket connect(boolean embedded) throws IOException {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    return embedded
        ? new Socket(loopback, embeddedPort)
        : tls.getSocketFactory().createSocket(loopback, real.port);
  }

  /** Copies until EOF or an error, then closes {@code closeAfter} (which ends the other pipe). */
  private static void pipe(InputStream from, OutputStream to, Socket closeAfter) {
    byte[] buf = new byte[16384];
    try {
      for (int n; (n = from.read(buf)) >= 0; ) {
        to.write(buf, 0, n);
        to.flush();
      }
    } catch (IOException e) {
      // closed by the other side
    } finally {
      try {
        closeAfter.close();
      } catch (IOException e) {
        // already closed
      }
    }
  }

  /**
   * {@code /apis}: the real server's groups plus the embedded API's built-in groups, as a legacy
   * APIGroupList (clients then ask each group). The real server lists its custom resource groups
   * only in the aggregated form, so that is what is read from it.
   */
  private void mergedDiscovery(OutputStream out) throws IOException {
    JsonNode aggregated = get(realHttp, real.url() + "/apis", AGGREGATED);
    JsonNode embeddedGroups =
        get(embeddedHttp, "http://127.0.0.1:" + embeddedPort + "/apis", "application/json");
    ObjectNode merged = JSON.createObjectNode().put("kind", "APIGroupList").put("apiVersion", "v1");
    ArrayNode groups = merged.putArray("groups");
    for (JsonNode item : aggregated.path("items")) {
      String name = item.path("metadata").path("name").asText();
      ObjectNode group = groups.addObject().put("name", name);
      ArrayNode versions = group.putArray("versions");
      for (JsonNode v : item.path("versions")) {
        String version = v.path("version").asText();
        versions.addObject().put("groupVersion", name + "/" + version).put("version", version);
      }
      group.set("preferredVersion", versions.path(0));
    }
    for (JsonNode g : embeddedGroups.path("groups")) {
      if (EMBEDDED_GROUPS.contains(g.path("name").asText())) {
        groups.add(g);
      }
    }
    byte[] body = JSON.writeValueAsBytes(merged);
    out.write(
        ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length
                + "\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.write(body);
    out.flush();
  }

  private static JsonNode get(HttpClient http, String url, String accept) throws IOException {
    try {
      HttpResponse<byte[]> r =
          http.send(
              HttpRequest.newBuilder(URI.create(url))
                  .header("Accept", accept)
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      return JSON.readTree(r.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException e) {
      // already closed
    }
    threads.shutdownNow();
  }

  /** An HTTP/1.1 request line and headers. */
  private record Head(String method, String target, List<String[]> headers) {
    static Head read(InputStream in) throws IOException {
      String requestLine = line(in);
      if (requestLine == null || requestLine.isEmpty()) {
        return null;
      }
      String[] parts = requestLine.split(" ");
      List<String[]> headers = new ArrayList<>();
      for (String l = line(in); l != null && !l.isEmpty(); l = line(in)) {
        int colon = l.indexOf(':');
        headers.add(new String[] {l.substring(0, colon).trim(), l.substring(colon + 1).trim()});
      }
      return new Head(parts[0], parts[1], headers);
    }

    String path() {
      int q = target.indexOf('?');
      return q < 0 ? target : target.substring(0, q);
    }

    String query() {
      int q = target.indexOf('?');
      return q < 0 ? null : target.substring(q + 1);
    }

    String header(String name) {
      return headers.stream()
          .filter(h -> h[0].equalsIgnoreCase(name))
          .map(h -> h[1])
          .findFirst()
          .orElse(null);
    }

    /**
     * The request for the upstream: one request per connection (unless it is a WebSocket upgrade),
     * no h2c upgrade offer.
     */
    byte[] forUpstream() {
      boolean websocket = "websocket".equalsIgnoreCase(header("upgrade"));
      StringBuilder s = new StringBuilder(method + " " + target + " HTTP/1.1\r\n");
      for (String[] h : headers) {
        String name = h[0].toLowerCase(java.util.Locale.ROOT);
        boolean hopByHop =
            name.equals("connection") || name.equals("upgrade") || name.equals("http2-settings");
        if (!hopByHop || websocket) {
          s.append(h[0]).append(": ").append(h[1]).append("\r\n");
        }
      }
      if (!websocket) {
        s.append("Connection: close\r\n");
      }
      return s.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String line(InputStream in) throws IOException {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      for (int c; (c = in.read()) >= 0; ) {
        if (c == '\n') {
          String s = b.toString(StandardCharsets.ISO_8859_1);
          return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
        }
        b.write(c);
      }
      return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }
  }
}
