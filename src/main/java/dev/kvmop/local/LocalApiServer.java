package dev.kvmop.local;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Queue;
import java.util.stream.Stream;

/**
 * The embedded Kubernetes API of {@code local}: the fabric8 CRUD mock server on 127.0.0.1 behind a
 * {@link LocalDispatcher} that adds discovery, Table printing and strategic-merge patches so that
 * kubectl works against it. State lives in memory only.
 */
public final class LocalApiServer implements AutoCloseable {
  // The CRUD server logs every request at INFO through java.util.logging; one line per event is
  // the operator's job. Held in a field because java.util.logging keeps loggers weakly.
  private static final java.util.logging.Logger REQUEST_LOG = quiet("io.fabric8.mockwebserver");

  private static java.util.logging.Logger quiet(String name) {
    java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
    logger.setLevel(java.util.logging.Level.WARNING);
    return logger;
  }

  /** CRD files bundled in the jar under {@code crds/} (copied there from the top-level crds/). */
  public static final List<String> BUNDLED_CRDS =
      List.of("kvmhosts.kvmop.dev-v1.yml", "kvmguests.kvmop.dev-v1.yml");

  public static final String CONTEXT = "kvmop-local";
  public static final String DEFAULT_NAMESPACE = "default";

  private final KubernetesMockServer server;
  private final LocalDispatcher dispatcher;
  private final Authorizer authorizer;
  private final KubernetesClient client;
  private final String token;

  private LocalApiServer(int port, String token) {
    this.token = token;
    UniqueUids.seed();
    HashMap<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    dispatcher = new LocalDispatcher(new KubernetesMixedDispatcher(responses));
    authorizer = new Authorizer(dispatcher);
    if (token != null) {
      authorizer.requireToken(token);
    }
    server =
        new KubernetesMockServer(
            new Context(Serialization.jsonMapper()),
            new MockWebServer(),
            responses,
            authorizer,
            // kubectl (client-go) sends no bearer token over plain HTTP: with a token, TLS (the
            // mock server's self-signed certificate; loopback only, the token is the guard).
            token != null);
    server.start(InetAddress.getLoopbackAddress(), port);
    dispatcher.serverAddress("127.0.0.1:" + server.getPort());
    client = newClient();
  }

  /** Starts a server on 127.0.0.1:{@code port} (0 picks a free port) with namespace default. */
  public static LocalApiServer start(int port) {
    return start(port, null);
  }

  /**
   * Starts a server that answers only requests with a fresh random bearer token (401 otherwise),
   * which its own clients and the kubeconfig it writes ({@link #writeKubeconfig}, mode 0600) hold:
   * other local users cannot read its Secrets or create guests.
   */
  public static LocalApiServer startAuthenticated(int port) {
    byte[] random = new byte[32];
    new java.security.SecureRandom().nextBytes(random);
    return start(port, java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(random));
  }

  private static LocalApiServer start(int port, String token) {
    LocalApiServer s = new LocalApiServer(port, token);
    try {
      s.ensureNamespace(DEFAULT_NAMESPACE);
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
    return s;
  }

  /** Hands every request the server receives to {@code log} (replacing any earlier log). */
  public void requestLog(java.util.function.Consumer<ApiRequest> log) {
    dispatcher.requestLog(log);
  }

  /**
   * Requests {@code allowed} refuses get 403 Forbidden (and are not logged); everything is allowed
   * until this is called.
   */
  public void authorize(java.util.function.Predicate<ApiRequest> allowed) {
    authorizer.rule(allowed);
  }

  public int port() {
    return server.getPort();
  }

  /** {@code http://127.0.0.1:PORT}, or https with a token (no trailing slash). */
  public String url() {
    return (token == null ? "http" : "https") + "://127.0.0.1:" + port();
  }

  /** A shared client (JDK HTTP client), closed with the server. Default namespace: default. */
  public KubernetesClient client() {
    return client;
  }

  /** A new client the caller owns. */
  public KubernetesClient newClient() {
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(url())
            .withNamespace(DEFAULT_NAMESPACE)
            .withHttp2Disable(true)
            .withOauthToken(token)
            .withTrustCerts(token != null)
            .build();
    return new KubernetesClientBuilder()
        .withConfig(config)
        .withHttpClientFactory(new JdkHttpClientFactory())
        .build();
  }

  /**
   * Writes a kubeconfig (context {@value #CONTEXT}, namespace default, the bearer token if the
   * server requires one), readable by its owner only.
   */
  public void writeKubeconfig(Path file) {
    LocalKubeconfig.write(file, CONTEXT, url(), DEFAULT_NAMESPACE, token);
  }

  /** Installs (creates or replaces) the CRDs in the given YAML files. */
  public void installCrds(Path... files) {
    for (Path f : files) {
      try (InputStream in = Files.newInputStream(f)) {
        installCrd(in);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Installs the CRDs bundled in the jar ({@link #BUNDLED_CRDS}). */
  public void installBundledCrds() {
    for (String name : BUNDLED_CRDS) {
      try (InputStream in = LocalApiServer.class.getResourceAsStream("/crds/" + name)) {
        if (in == null) {
          throw new IllegalStateException("CRD resource missing from classpath: crds/" + name);
        }
        installCrd(in);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private void installCrd(InputStream in) {
    CustomResourceDefinition crd =
        client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
    client.resource(crd).createOr(NonDeletingOperation::update);
  }

  /**
   * Applies a multi-document YAML file, or every {@code .yaml/.yml/.json} file in a directory (in
   * name order): creates each object or replaces the existing one. Namespaces and CRDs go first,
   * missing namespaces are created, {@code status} is ignored.
   *
   * @return the objects as stored
   */
  public List<HasMetadata> apply(Path manifestFileOrDir) {
    List<GenericKubernetesResource> objects = new ArrayList<>();
    for (Path f : manifestFiles(manifestFileOrDir)) {
      try (InputStream in = Files.newInputStream(f)) {
        for (HasMetadata o : client.load(in).items()) {
          if (o != null) {
            objects.add(
                client
                    .getKubernetesSerialization()
                    .convertValue(o, GenericKubernetesResource.class));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    objects.sort(Comparator.comparingInt(LocalApiServer::applyOrder));
    List<HasMetadata> out = new ArrayList<>();
    for (GenericKubernetesResource o : objects) {
      out.add(applyOne(o));
    }
    return out;
  }

  private HasMetadata applyOne(GenericKubernetesResource o) {
    o.getAdditionalProperties().remove("status");
    o.getMetadata().setResourceVersion(null);
    if (isNamespaced(o)) {
      String ns = o.getMetadata().getNamespace();
      if (ns == null || ns.isEmpty()) {
        ns = DEFAULT_NAMESPACE;
        o.getMetadata().setNamespace(ns);
      }
      ensureNamespace(ns);
      return client.resource(o).inNamespace(ns).createOr(NonDeletingOperation::update);
    }
    return client.resource(o).createOr(NonDeletingOperation::update);
  }

  private boolean isNamespaced(GenericKubernetesResource o) {
    String kind = o.getKind();
    if (kind.equals("Namespace") || kind.equals("CustomResourceDefinition")) {
      return false;
    }
    for (CustomResourceDefinition crd : dispatcher.crds()) {
      if (crd.getSpec().getNames().getKind().equals(kind)
          && o.getApiVersion().startsWith(crd.getSpec().getGroup() + "/")) {
        return "Namespaced".equals(crd.getSpec().getScope());
      }
    }
    return true;
  }

  private static int applyOrder(GenericKubernetesResource o) {
    return switch (o.getKind()) {
      case "Namespace" -> 0;
      case "CustomResourceDefinition" -> 1;
      default -> 2;
    };
  }

  private static List<Path> manifestFiles(Path p) {
    if (!Files.isDirectory(p)) {
      return List.of(p);
    }
    try (Stream<Path> s = Files.list(p)) {
      return s.filter(Files::isRegularFile)
          .filter(f -> f.getFileName().toString().matches(".*\\.(ya?ml|json)$"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void ensureNamespace(String ns) {
    if (client.namespaces().withName(ns).get() == null) {
      client
          .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .createOr(NonDeletingOperation::update);
    }
  }

  @Override
  public void close() {
    try {
      client.close();
    } finally {
      server.shutdown();
    }
  }
}
