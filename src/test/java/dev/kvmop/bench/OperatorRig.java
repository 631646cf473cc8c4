package dev.kvmop.bench;

import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHost;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.api.ObjectRef;
import dev.kvmop.local.LocalApiServer;
import dev.kvmop.testing.OpenSshServer;
import dev.kvmop.testing.OperatorProcess;
import dev.kvmop.testing.QemuProcesses;
import dev.kvmop.testing.SshKeys;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The operator side of a benchmark run: one real OpenSSH sshd per host on loopback (each KvmHost
 * its own sshd and workDir on this machine), the embedded CRUD API in this JVM, the built operator
 * jar as a separate JVM, and this JVM's informer feeding a {@link GuestTracker}.
 */
public final class OperatorRig implements AutoCloseable {
  public static final String NS = "default";

  /**
   * @param probeIntervalSeconds the hosts' interval at creation
   * @param operatorJavaOpts the operator JVM's JAVA_TOOL_OPTIONS
   */
  public record Config(int hosts, int probeIntervalSeconds, String operatorJavaOpts) {}

  private final Config config;
  private final PrintStream out;
  private final List<OpenSshServer> sshds = new ArrayList<>();
  private Path dir;
  private Path workRoot;
  private SshKeys.KeyText key;
  private LocalApiServer api;
  private KubernetesClient client;
  private OperatorProcess operator;
  private GuestTracker tracker;
  private SharedIndexInformer<KvmGuest> informer;
  private int operatorRuns;
  private final Map<String, LongAdder> apiRequests = new ConcurrentHashMap<>();

  private OperatorRig(Config config, PrintStream out) {
    this.config = config;
    this.out = out;
  }

  /**
   * Starts the sshds; with {@code withOperator} also the API, the KvmHosts, the informer and the
   * operator, and waits until every host is Ready; on a failure stops what it started.
   */
  public static OperatorRig start(Config config, boolean withOperator, PrintStream out)
      throws Exception {
    OperatorRig rig = new OperatorRig(config, out);
    try {
      rig.setUp(withOperator);
    } catch (Exception | Error e) {
      rig.close();
      throw e;
    }
    return rig;
  }

  private void setUp(boolean withOperator) throws Exception {
    // The embedded API's mock web server logs every request through java.util.logging.
    java.util.logging.Logger.getLogger("io.fabric8.mockwebserver")
        .setLevel(java.util.logging.Level.WARNING);
    dir = Files.createTempDirectory("kvmop-bench");
    workRoot =
        Files.createDirectories(
            Path.of("/tmp", "kb" + Long.toString(ProcessHandle.current().pid(), 36)));
    key = SshKeys.generate("ed25519");
    for (int i = 0; i < config.hosts(); i++) {
      sshds.add(new OpenSshServer().authorize(key.publicKeyLine()).start());
    }
    if (!withOperator) {
      return;
    }
    api = LocalApiServer.start(0);
    api.installBundledCrds();
    client = api.client();
    api.writeKubeconfig(dir.resolve("kubeconfig"));
    client.resource(SshKeys.secret("node-ssh", key.privateKey(), null)).inNamespace(NS).create();
    for (int i = 0; i < config.hosts(); i++) {
      client.resource(host(i)).create();
    }
    tracker = new GuestTracker();
    informer = client.resources(KvmGuest.class).inNamespace(NS).inform(tracker, 0);
    startOperator();
  }

  private KvmHost host(int i) {
    KvmHost h = new KvmHost();
    h.getMetadata().setName(hostName(i));
    h.getMetadata().setNamespace(NS);
    KvmHostSpec spec = new KvmHostSpec();
    spec.address = "127.0.0.1";
    spec.port = sshds.get(i).port();
    spec.user = System.getProperty("user.name");
    spec.credentialsSecretRef = new ObjectRef("node-ssh");
    spec.hostKey = sshds.get(i).hostKeyLine();
    spec.workDir = workRoot.resolve("h" + i).toString();
    spec.probeIntervalSeconds = config.probeIntervalSeconds();
    spec.kvm.requireHardwareVirtualization = false;
    // Hundreds of 1-vCPU guests on a 2-core machine: capacity from the facts would stop at 8.
    spec.capacity.cpus = 1024;
    dev.kvmop.testing.TestObjects.trustingPolicy(spec);
    h.setSpec(spec);
    return h;
  }

  public static String hostName(int i) {
    return "host-" + i;
  }

  /**
   * Sets every host's probe interval. A changed interval is not picked up by the running operator's
   * probe loop (smoke runs kept probing at the old cadence for 20 s and more), so on a change the
   * operator is restarted; the next scenario then also starts from a fresh operator JVM.
   */
  public void setInterval(int seconds) throws Exception {
    boolean changed = false;
    for (int i = 0; i < config.hosts(); i++) {
      var h = client.resources(KvmHost.class).inNamespace(NS).withName(hostName(i));
      if (!Integer.valueOf(seconds).equals(h.get().getSpec().probeIntervalSeconds)) {
        h.edit(
            x -> {
              x.getSpec().probeIntervalSeconds = seconds;
              return x;
            });
        changed = true;
      }
    }
    if (changed) {
      out.println("   probe interval now " + seconds + " s: restarting the operator");
      operator.stop();
      startOperator();
    }
  }

  /** Stops the operator (SIGTERM, or SIGKILL when {@code kill}), starts a new one, awaits hosts. */
  public void restartOperator(boolean kill) throws Exception {
    if (kill) {
      operator.kill();
    } else {
      operator.stop();
    }
    startOperator();
  }

  private void startOperator() throws Exception {
    operator =
        new OperatorProcess(
            dir.resolve("kubeconfig"),
            dir.resolve("operator-" + (++operatorRuns) + ".log"),
            List.of(),
            Map.of("JAVA_TOOL_OPTIONS", config.operatorJavaOpts()));
    operator.start();
    awaitHostsReady();
  }

  private void awaitHostsReady() throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    for (int i = 0; i < config.hosts(); i++) {
      String name = hostName(i);
      while (true) {
        KvmHost h = client.resources(KvmHost.class).inNamespace(NS).withName(name).get();
        if (h.getStatus() != null
            && h.getStatus().phase == HostPhase.Ready
            && h.getStatus().observedGeneration != null
            && h.getStatus().observedGeneration.equals(h.getMetadata().getGeneration())) {
          break;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              name + " not Ready: " + client.getKubernetesSerialization().asYaml(h.getStatus()));
        }
        Thread.sleep(100);
      }
    }
  }

  /** Live qemu started under this run's work root, or by a pid a status named. */
  public List<Long> liveQemu() {
    String marker = workRoot + "/";
    return ProcessHandle.allProcesses()
        .filter(
            p ->
                QemuProcesses.isQemu(p.pid())
                    && (tracker != null && tracker.pidsSeen().contains(p.pid())
                        || QemuProcesses.cmdline(p.pid()).contains(marker)))
        .map(ProcessHandle::pid)
        .toList();
  }

  /**
   * Counts the embedded API's requests by verb and resource ("patch kvmguests/status") from now on;
   * replaces any request log.
   */
  public void countApiRequests() {
    api.requestLog(
        r ->
            r.access()
                .ifPresent(
                    a ->
                        apiRequests
                            .computeIfAbsent(a.verb() + " " + a.resource(), k -> new LongAdder())
                            .increment()));
  }

  /** The counts so far (empty unless {@link #countApiRequests} was called). */
  public Map<String, Long> apiRequestCounts() {
    Map<String, Long> counts = new TreeMap<>();
    apiRequests.forEach((k, v) -> counts.put(k, v.sum()));
    return counts;
  }

  public int hosts() {
    return config.hosts();
  }

  public List<OpenSshServer> sshds() {
    return sshds;
  }

  public SshKeys.KeyText key() {
    return key;
  }

  /** null when started without the operator */
  public KubernetesClient client() {
    return client;
  }

  public GuestTracker tracker() {
    return tracker;
  }

  public OperatorProcess operator() {
    return operator;
  }

  /** The directory below which every host's workDir lies (removed at close). */
  public Path workRoot() {
    return workRoot;
  }

  /** Where the operator logs and the kubeconfig are kept. */
  public Path dir() {
    return dir;
  }

  @Override
  public void close() {
    if (informer != null) {
      informer.close();
    }
    if (operator != null) {
      operator.stop();
    }
    if (workRoot != null) {
      liveQemu().forEach(p -> ProcessHandle.of(p).ifPresent(ProcessHandle::destroyForcibly));
    }
    if (api != null) {
      api.close();
    }
    sshds.forEach(OpenSshServer::close);
    if (workRoot != null) {
      try (var files = Files.walk(workRoot)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        out.println("could not remove " + workRoot + ": " + e);
      }
    }
    if (dir != null) {
      out.println("operator logs and kubeconfig kept in " + dir);
    }
  }
}
