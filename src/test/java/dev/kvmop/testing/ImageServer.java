package dev.kvmop.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP server on loopback that serves disk images as a real image server would (with a
 * Content-Length), counts the requests for each path, and can hold a path's download half way until
 * the test opens its gate; any other path is a 404. Images are made with the real qemu-img.
 */
public final class ImageServer implements AutoCloseable {
  private final HttpServer http;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final Map<String, byte[]> bodies = new ConcurrentHashMap<>();
  private final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();

  private ImageServer(HttpServer http) {
    this.http = http;
  }

  public static ImageServer start() {
    try {
      HttpServer http =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      ImageServer s = new ImageServer(http);
      http.setExecutor(s.threads);
      http.createContext("/", s::handle);
      http.start();
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Serves {@code body} at {@code /name}. */
  public ImageServer serve(String name, byte[] body) {
    bodies.put("/" + name, body);
    return this;
  }

  /** From now on {@code /name} sends half its bytes, then waits until {@link #open}. */
  public void hold(String name) {
    gates.put("/" + name, new CountDownLatch(1));
  }

  /** Lets held downloads of {@code /name} finish, and later ones run through. */
  public void open(String name) {
    CountDownLatch gate = gates.remove("/" + name);
    if (gate != null) {
      gate.countDown();
    }
  }

  /** How many requests {@code /name} had. */
  public int requests(String name) {
    AtomicInteger n = requests.get("/" + name);
    return n == null ? 0 : n.get();
  }

  public String url(String name) {
    return "http://127.0.0.1:" + http.getAddress().getPort() + "/" + name;
  }

  @Override
  public void close() {
    gates.values().forEach(CountDownLatch::countDown);
    http.stop(0);
    threads.shutdownNow();
  }

  private void handle(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    requests.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
    byte[] body = bodies.get(path);
    if (body == null) {
      ex.sendResponseHeaders(404, -1);
      ex.close();
      return;
    }
    CountDownLatch gate = gates.get(path);
    ex.sendResponseHeaders(200, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      int half = gate == null ? body.length : body.length / 2;
      out.write(body, 0, half);
      out.flush();
      if (gate != null) {
        awaitOpen(gate);
        out.write(body, half, body.length - half);
      }
    }
  }

  private static void awaitOpen(CountDownLatch gate) throws IOException {
    try {
      if (!gate.await(5, TimeUnit.MINUTES)) {
        throw new IOException("the gate stayed shut");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  /**
   * A qcow2 image of {@code virtualBytes} whose first line is {@code marker} (the rest zeros), made
   * in {@code dir} with qemu-img; returns the qcow2 file's bytes.
   */
  public static byte[] qcow2(Path dir, String marker, long virtualBytes) {
    try {
      String stem = marker.replaceAll("[^A-Za-z0-9-]", "-");
      Path raw = dir.resolve(stem + ".raw");
      Path out = dir.resolve(stem + ".qcow2");
      byte[] content = new byte[Math.toIntExact(virtualBytes)];
      byte[] line = (marker + "\n").getBytes(StandardCharsets.US_ASCII);
      System.arraycopy(line, 0, content, 0, line.length);
      Files.write(raw, content);
      Process p =
          new ProcessBuilder(
                  "qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw.toString(), out.toString())
              .redirectErrorStream(true)
              .start();
      String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("qemu-img convert failed:\n" + log);
      }
      Files.delete(raw);
      return Files.readAllBytes(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Lower-case hex sha256. */
  public static String sha256(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
