package dev.kvmop.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Kubernetes API server for the real-API tier: {@code apiextensions-apiserver} (Kubernetes
 * 1.36 code) and etcd on loopback, built and started by {@code scripts/real-api.sh}. It serves
 * CustomResourceDefinitions and custom resources only; see {@link ApiRouter} for the rest.
 */
public final class RealApiServer implements AutoCloseable {
  static final Path SCRIPT = Path.of("scripts/real-api.sh");

  /** {@code make test} sets it: a missing build then fails the tier instead of skipping it. */
  static final String REQUIRED = "real.api.required";

  public final Path dir;
  public final int port;

  private RealApiServer(Path dir, int port) {
    this.dir = dir;
    this.port = port;
  }

  /**
   * Skips the calling test class when the server is not built and the machine cannot build it (not
   * root), unless {@value #REQUIRED} is set; then a missing build fails.
   */
  public static void assumeBuilt() throws Exception {
    Kubectl.Result bindir = Kubectl.runRaw(List.of(SCRIPT.toString(), "bindir"));
    if (Boolean.getBoolean(REQUIRED)) {
      assertThat(bindir.exit())
          .as("the real API server is not built (scripts/real-api.sh build): %s", bindir.err())
          .isZero();
    }
    Assumptions.assumeTrue(
        bindir.exit() == 0,
        "real API server not built; `scripts/real-api.sh build` (root, ~6 min) enables this tier");
  }

  /** Starts etcd and the server in {@code dir} on a free loopback port. */
  public static RealApiServer start(Path dir) throws Exception {
    int port = freePortWithEtcdPorts();
    Kubectl.Result r =
        Kubectl.runRaw(List.of(SCRIPT.toString(), "start", dir.toString(), Integer.toString(port)));
    RealApiServer server = new RealApiServer(dir, port);
    if (r.exit() != 0) {
      server.close();
      throw new IllegalStateException(
          "real API server did not start: " + r.err() + "\n" + server.log());
    }
    return server;
  }

  public String url() {
    return "https://127.0.0.1:" + port;
  }

  /** The server's own kubeconfig (client certificate; no built-in kinds behind it). */
  public Path kubeconfig() {
    return dir.resolve("kubeconfig");
  }

  /**
   * TLS with the admin client certificate. The serving certificate is the server's self-signed one
   * on loopback, so it is not verified (the kubeconfig says insecure-skip-tls-verify too).
   */
  public SSLContext tls() {
    try (InputStream in = new FileInputStream(dir.resolve("pki/admin.p12").toFile())) {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(in, "kvmop".toCharArray());
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, "kvmop".toCharArray());
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(kmf.getKeyManagers(), new TrustManager[] {new TrustAll()}, null);
      return tls;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A fabric8 client for {@code url} (the router), as the embedded API's own client is made. */
  public static KubernetesClient client(String url) {
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(url)
            .withNamespace(E2EEnvironment.NS)
            .withHttp2Disable(true)
            .build();
    return new KubernetesClientBuilder()
        .withConfig(config)
        .withHttpClientFactory(new JdkHttpClientFactory())
        .build();
  }

  /** Creates the CRDs in {@code dir} and waits until the server reports them Established. */
  public static void installCrds(KubernetesClient client, Path dir) {
    List<String> names = new java.util.ArrayList<>();
    try (var files = Files.list(dir)) {
      for (Path p : files.filter(f -> f.toString().endsWith(".yml")).sorted().toList()) {
        try (InputStream in = Files.newInputStream(p)) {
          CustomResourceDefinition crd =
              client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
          client.resource(crd).create();
          names.add(crd.getMetadata().getName());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (String name : names) {
      client
          .apiextensions()
          .v1()
          .customResourceDefinitions()
          .withName(name)
          .waitUntilCondition(RealApiServer::established, 30, TimeUnit.SECONDS);
    }
  }

  private static boolean established(CustomResourceDefinition crd) {
    return crd != null
        && crd.getStatus() != null
        && crd.getStatus().getConditions().stream()
            .anyMatch(c -> "Established".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** The server's log, for failure messages. */
  public String log() {
    try {
      return Files.readString(dir.resolve("apiext.log"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    try {
      Process p = new ProcessBuilder(SCRIPT.toString(), "stop", dir.toString()).start();
      p.waitFor(30, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A free port P whose etcd ports (P+7000, P+7001, see the script) are free as well. */
  private static int freePortWithEtcdPorts() throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      int port = 20000 + (int) (Math.random() * 20000);
      if (free(port) && free(port + 7000) && free(port + 7001)) {
        return port;
      }
    }
    throw new IOException("no free port triple found");
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Accepts any server certificate (loopback test server only). */
  private static final class TrustAll extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] c, String a, java.net.Socket s) {}

    @Override
    public void checkServerTrusted(X509Certificate[] c, String a, java.net.Socket s) {}

    @Override
    public void checkClientTrusted(X509Certificate[] c, String a, SSLEngine e) {}

    @Override
    public void checkServerTrusted(X509Certificate[] c, String a, SSLEngine e) {}

    @Override
    public void checkClientTrusted(X509Certificate[] c, String a) {}

    @Override
    public void checkServerTrusted(X509Certificate[] c, String a) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
