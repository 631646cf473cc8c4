package dev.kvmop.testing;

import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmHost;
import dev.kvmop.local.ApiRequest;
import dev.kvmop.local.LocalApiServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The end-to-end setting: real OpenSSH sshd on loopback as the host, the embedded CRUD API standing
 * in for a Kubernetes API server (or, with {@link #onRealApi}, a real one for the custom resources
 * behind an {@link ApiRouter}), and the built operator jar as a separate process that tests may
 * kill and restart ({@link Operators}). The objects are read and awaited through {@link
 * ApiObjects}; what the hosts really run is read from /proc by {@link QemuProcesses} and held
 * against the objects by {@link HostAudit}.
 */
public final class E2EEnvironment extends ApiObjects implements AutoCloseable {
  public static final String NS = "default";
  public static final String QEMU = "/usr/bin/qemu-system-x86_64";
  public static final Duration WAIT = Duration.ofSeconds(60);

  public final Path dir;
  public final SshKeys.KeyText clientKey;

  /** The client key's passphrase (also in the node-ssh Secret), or null when it has none. */
  public final String passphrase;

  public final OpenSshServer sshd;
  public final LocalApiServer api;
  public final Path kubeconfig;

  /** The real API server and the router in front of it, or null on the embedded API alone. */
  public final RealApiServer realApi;

  public final ApiRouter router;

  /**
   * A short directory below /tmp. The guests' unix sockets below it no longer depend on its length
   * (they are bound relative to their guest directory).
   */
  public final Path workRoot;

  /** Every API request made by an operator process (User-Agent kvm-operator), in order. */
  public final List<ApiRequest> operatorRequests;

  /** The operator processes started in this environment. */
  public final Operators operators;

  private final List<OpenSshServer> extraSshds = new ArrayList<>();

  public E2EEnvironment(Path dir) {
    this(dir, List.of());
  }

  /**
   * @param sshdConfig extra sshd_config lines, e.g. "SetEnv PATH=..." to put stand-ins first
   */
  public E2EEnvironment(Path dir, List<String> sshdConfig) {
    this(dir, sshdConfig, null);
  }

  /**
   * @param passphrase encrypts the client key (and goes into the node-ssh Secret); null for none
   */
  public E2EEnvironment(Path dir, List<String> sshdConfig, String passphrase) {
    this(dir, sshdConfig, passphrase, Wiring.of(null));
  }

  /**
   * The real-API setting: a real API server ({@link RealApiServer}, started here in {@code
   * dir/real-api} and stopped with the environment) with the CRDs from {@code crds/}, the embedded
   * API for built-in kinds, both behind one {@link ApiRouter}; operators run with server-side
   * apply. Call {@link RealApiServer#assumeBuilt()} first.
   */
  public static E2EEnvironment onRealApi(Path dir) throws Exception {
    RealApiServer real = RealApiServer.start(dir.resolve("real-api"));
    try {
      return new E2EEnvironment(dir, List.of(), null, Wiring.of(real));
    } catch (RuntimeException | Error e) {
      real.close();
      throw e;
    }
  }

  private E2EEnvironment(Path dir, List<String> sshdConfig, String passphrase, Wiring wiring) {
    super(wiring.client());
    this.dir = dir;
    this.passphrase = passphrase;
    this.api = wiring.api();
    this.realApi = wiring.real();
    this.router = wiring.router();
    this.operatorRequests = wiring.operatorRequests();
    clientKey = SshKeys.generate("ed25519", passphrase, false);
    sshd = new OpenSshServer(sshdConfig).authorize(clientKey.publicKeyLine()).start();
    kubeconfig = dir.resolve("kubeconfig");
    if (router == null) {
      api.installBundledCrds();
      api.writeKubeconfig(kubeconfig);
    } else {
      router.writeKubeconfig(kubeconfig);
      RealApiServer.installCrds(client, Path.of("crds"));
    }
    workRoot = shortTempDir();
    operators = new Operators(kubeconfig, dir, realApi != null);
    secret("node-ssh", clientKey.privateKey(), passphrase);
  }

  /** The API side of an environment: the embedded API, and the real one behind a router or not. */
  private record Wiring(
      LocalApiServer api,
      RealApiServer real,
      ApiRouter router,
      KubernetesClient client,
      List<ApiRequest> operatorRequests) {

    static Wiring of(RealApiServer real) {
      List<ApiRequest> requests = Collections.synchronizedList(new ArrayList<>());
      Consumer<ApiRequest> byOperator =
          r -> {
            if (r.userAgent() != null && r.userAgent().startsWith("kvm-operator")) {
              requests.add(r);
            }
          };
      LocalApiServer api = LocalApiServer.start(0);
      if (real == null) {
        api.requestLog(byOperator);
        return new Wiring(api, null, null, api.client(), requests);
      }
      ApiRouter router = new ApiRouter(api.port(), real, byOperator);
      return new Wiring(api, real, router, RealApiServer.client(router.url()), requests);
    }
  }

  /** One more loopback OpenSSH server that accepts the client key; closed with the environment. */
  public OpenSshServer startSshd() {
    OpenSshServer s = new OpenSshServer().authorize(clientKey.publicKeyLine()).start();
    extraSshds.add(s);
    return s;
  }

  /** Starts an operator; extra environment such as KVMOP_CRASH_POINT may be given. */
  public OperatorProcess startOperator(Map<String, String> env) {
    return startOperator(env, List.of());
  }

  /** Starts an operator with extra environment and extra {@code run} arguments. */
  public OperatorProcess startOperator(Map<String, String> env, List<String> args) {
    return operators.start(env, args);
  }

  public OperatorProcess startOperator() {
    return startOperator(Map.of());
  }

  /** See {@link Operators#startCrashing}. */
  public OperatorProcess startCrashingOperator(String point) {
    return operators.startCrashing(point);
  }

  /**
   * Creates host {@code name} on the loopback sshd with {@code pool} addresses, starts an operator
   * and waits for the host to be Ready.
   */
  public OperatorProcess startOperatorWithHost(String name, int pool) {
    client.resource(host(name, sshd.hostKeyLine(), pool)).create();
    OperatorProcess op = startOperator();
    awaitHost(name, HostPhase.Ready);
    return op;
  }

  /** Every operator log so far, for failure messages and secret checks. */
  @Override
  public String operatorLogs() {
    return operators.logs();
  }

  @Override
  protected String threadDumps() {
    return operators.threadDumps();
  }

  /** Creates or replaces an SSH key Secret without a passphrase. */
  public void secret(String name, String privateKey) {
    secret(name, privateKey, null);
  }

  /** Creates or replaces an SSH key Secret; {@code passphrase} may be null. */
  public void secret(String name, String privateKey, String passphrase) {
    client
        .resource(SshKeys.secret(name, privateKey, passphrase))
        .inNamespace(NS)
        .createOr(op -> op.update());
  }

  /**
   * A KvmHost for the loopback sshd, TCG allowed, probed every second, with {@code pool} addresses.
   */
  public KvmHost host(String name, String hostKey, int pool) {
    return host(name, sshd, hostKey, pool);
  }

  /** Like {@link #host(String, String, int)}, for another server (see {@link #startSshd()}). */
  public KvmHost host(String name, OpenSshServer server, String hostKey, int pool) {
    TestObjects.HostBuilder h =
        TestObjects.host(name)
            .at("127.0.0.1", server.port())
            .hostKey(hostKey)
            .workDir(workRoot.resolve(name).toString())
            .probeEvery(1)
            .spec(
                s -> {
                  s.user = System.getProperty("user.name");
                  // Stands in for a big machine: hundreds of 1-vCPU test guests, where capacity
                  // from this machine's facts (2 CPUs x overcommit 4.0) would stop at 8.
                  s.capacity.cpus = 1024;
                });
    for (int i = 0; i < pool; i++) {
      h.address(String.format("52:54:00:10:00:%02x", i + 1), "10.77.0." + (i + 1));
    }
    return h.build();
  }

  /** The directory a host of this environment keeps its guest directories in. */
  public Path guestsDir(String host) {
    return workRoot.resolve(host).resolve("guests");
  }

  /** Kills every qemu this environment's hosts started (identified by their work dirs). */
  public void killLeftoverQemu() {
    QemuProcesses.kill(QemuProcesses.below(workRoot).keySet());
  }

  /**
   * Stops the operators, looks for the client key, its passphrase and {@code more} in their logs,
   * in Events and in KvmHosts (see {@link SecretHygiene}), prints the report line and closes the
   * environment; the caller asserts on the report.
   */
  public SecretHygiene.Report closeCheckingSecrets(SecretHygiene more) {
    SecretHygiene.Report report;
    try {
      operators.stopAll();
      report =
          more.privateKey(clientKey.privateKey())
              .passphrase(passphrase)
              .check(client, operatorLogs());
      System.out.println(report.line());
    } finally {
      close();
    }
    return report;
  }

  @Override
  public void close() {
    operators.stopAll();
    killLeftoverQemu();
    if (router != null) {
      client.close();
      router.close();
      realApi.close();
    }
    api.close();
    sshd.close();
    extraSshds.forEach(OpenSshServer::close);
    deleteTree(workRoot);
  }

  private static void deleteTree(Path root) {
    try {
      TreeDeletion.delete(root);
    } catch (IOException e) {
      // best effort: a temp dir left behind is harmless
    }
  }

  private static Path shortTempDir() {
    try {
      String id =
          Long.toString(ProcessHandle.current().pid(), 36)
              + Long.toString(System.nanoTime() % 1296, 36);
      return Files.createDirectories(Path.of("/tmp", "ke" + id));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
