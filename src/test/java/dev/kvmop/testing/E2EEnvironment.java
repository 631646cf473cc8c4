package dev.kvmop.testing;

import static org.awaitility.Awaitility.await;

import dev.kvmop.api.AddressEntry;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmGuestSpec;
import dev.kvmop.api.KvmHost;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.api.NetworkType;
import dev.kvmop.api.ObjectRef;
import dev.kvmop.local.ApiRequest;
import dev.kvmop.local.LocalApiServer;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The end-to-end setting: real OpenSSH sshd on loopback as the host, the embedded CRUD API standing
 * in for a Kubernetes API server (none can run on these machines), and the built operator jar as a
 * separate process that tests may kill and restart.
 */
public final class E2EEnvironment implements AutoCloseable {
  public static final String NS = "default";
  public static final String QEMU = "/usr/bin/qemu-system-x86_64";
  public static final Duration WAIT = Duration.ofSeconds(60);

  public final Path dir;
  public final SshKeys.KeyText clientKey;

  /** The client key's passphrase (also in the node-ssh Secret), or null when it has none. */
  public final String passphrase;

  public final OpenSshServer sshd;
  public final LocalApiServer api;
  public final KubernetesClient client;
  public final Path kubeconfig;

  /**
   * Short on purpose: unix socket paths (the guests' QMP sockets below it) are limited to 107
   * bytes, and the usual temp-dir names would use most of that.
   */
  public final Path workRoot;

  /** Every API request made by an operator process (User-Agent kvm-operator), in order. */
  public final List<ApiRequest> operatorRequests =
      java.util.Collections.synchronizedList(new ArrayList<>());

  private final List<OperatorProcess> operators = new ArrayList<>();
  private final List<OpenSshServer> extraSshds = new ArrayList<>();
  private int operatorRuns;

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
    this.dir = dir;
    this.passphrase = passphrase;
    clientKey = SshKeys.generate("ed25519", passphrase, false);
    sshd = new OpenSshServer(sshdConfig).authorize(clientKey.publicKeyLine()).start();
    api = LocalApiServer.start(0);
    api.requestLog(
        r -> {
          if (r.userAgent() != null && r.userAgent().startsWith("kvm-operator")) {
            operatorRequests.add(r);
          }
        });
    api.installBundledCrds();
    client = api.client();
    kubeconfig = dir.resolve("kubeconfig");
    workRoot = shortTempDir();
    api.writeKubeconfig(kubeconfig);
    secret("node-ssh", clientKey.privateKey(), passphrase);
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
    OperatorProcess op =
        new OperatorProcess(
            kubeconfig, dir.resolve("operator-" + (++operatorRuns) + ".log"), args, env);
    operators.add(op);
    return op.start();
  }

  public OperatorProcess startOperator() {
    return startOperator(Map.of());
  }

  /**
   * Starts an operator armed to halt at a {@code CrashPoints} point; does not wait for it to be
   * ready, since it may halt first.
   */
  public OperatorProcess startCrashingOperator(String point) {
    OperatorProcess op =
        new OperatorProcess(
            kubeconfig,
            dir.resolve("operator-" + (++operatorRuns) + "-" + point + ".log"),
            List.of(),
            Map.of("KVMOP_CRASH_POINT", point));
    operators.add(op);
    return op.start(false);
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

  /** Thread dumps of the running operators, for failure messages. */
  public String threadDumps() {
    StringBuilder all = new StringBuilder();
    for (OperatorProcess o : operators) {
      if (o.isAlive()) {
        try {
          Process p =
              new ProcessBuilder(
                      Path.of(System.getProperty("java.home"), "bin", "jstack").toString(),
                      Long.toString(o.pid()))
                  .redirectErrorStream(true)
                  .start();
          all.append(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
          all.append("(jstack failed: ").append(e).append(")");
        }
      }
    }
    return all.toString();
  }

  /** Every operator log so far, for failure messages and secret checks. */
  public String operatorLogs() {
    StringBuilder all = new StringBuilder();
    operators.forEach(o -> all.append(o.log()));
    return all.toString();
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
    KvmHost h = new KvmHost();
    h.getMetadata().setName(name);
    h.getMetadata().setNamespace(NS);
    KvmHostSpec spec = new KvmHostSpec();
    spec.address = "127.0.0.1";
    spec.port = server.port();
    spec.user = System.getProperty("user.name");
    spec.credentialsSecretRef = new ObjectRef("node-ssh");
    spec.hostKey = hostKey;
    spec.workDir = workRoot.resolve(name).toString();
    spec.probeIntervalSeconds = 1;
    spec.kvm.requireHardwareVirtualization = false;
    // Stands in for a big machine: hundreds of 1-vCPU test guests, where capacity from this
    // machine's facts (2 CPUs x overcommit 4.0) would stop at 8.
    spec.capacity.cpus = 1024;
    for (int i = 0; i < pool; i++) {
      spec.addresses.add(
          new AddressEntry(String.format("52:54:00:10:00:%02x", i + 1), "10.77.0." + (i + 1)));
    }
    h.setSpec(spec);
    return h;
  }

  /** A minimal TCG guest: machine none, no NIC, 16 MiB, a short grace period. */
  public static KvmGuest guest(String name, String host) {
    KvmGuest g = new KvmGuest();
    g.getMetadata().setName(name);
    g.getMetadata().setNamespace(NS);
    KvmGuestSpec spec = new KvmGuestSpec();
    spec.hostRef = new ObjectRef(host);
    spec.machine = "none";
    spec.memory = "16Mi";
    spec.network.type = NetworkType.None;
    spec.gracePeriodSeconds = 1;
    g.setSpec(spec);
    return g;
  }

  /** A guest with a pool address: machine pc (the NIC needs a PCI bus) with qemu's user network. */
  public static KvmGuest networkedGuest(String name, String host) {
    KvmGuest g = guest(name, host);
    g.getSpec().machine = "pc";
    g.getSpec().memory = "32Mi";
    g.getSpec().network.type = NetworkType.User;
    g.getSpec().network.model = "e1000";
    g.getSpec().extraArgs = new ArrayList<>(List.of("-vga", "none"));
    return g;
  }

  /**
   * The cheapest guest that holds a pool address: machine microvm (a virtio-mmio bus for the NIC,
   * no PCI, no firmware to run), user networking, 16 MiB, and {@code -S} so its vCPU never runs:
   * hundreds fit on a 2-core machine.
   */
  public static KvmGuest pooledGuest(String name, String host) {
    KvmGuest g = guest(name, host);
    g.getSpec().machine = "microvm";
    g.getSpec().network.type = NetworkType.User;
    g.getSpec().network.model = "virtio-net-device";
    g.getSpec().extraArgs = new ArrayList<>(List.of("-S"));
    return g;
  }

  public KvmHost awaitHost(String name, HostPhase phase) {
    return await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> getHost(name),
            h -> h != null && h.getStatus() != null && h.getStatus().phase == phase);
  }

  public KvmHost getHost(String name) {
    return client.resources(KvmHost.class).inNamespace(NS).withName(name).get();
  }

  public KvmGuest awaitGuest(String name, Predicate<KvmGuest> condition) {
    try {
      return await()
          .atMost(WAIT)
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> client.resources(KvmGuest.class).inNamespace(NS).withName(name).get(),
              g -> g != null && g.getStatus() != null && condition.test(g));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          "guest "
              + name
              + " did not reach the expected state; it is:\n"
              + client.getKubernetesSerialization().asYaml(get(name))
              + "\noperator log tail:\n"
              + tail(operatorLogs(), 400),
          e);
    }
  }

  public static String tail(String text, int lines) {
    String[] all = text.split("\n");
    return String.join(
        "\n", java.util.Arrays.copyOfRange(all, Math.max(0, all.length - lines), all.length));
  }

  /** Running and confirmed by a probe (the reconciler writes nothing more in this state). */
  public KvmGuest awaitSteady(String name) {
    return awaitGuest(
        name,
        g ->
            g.getStatus().phase == GuestPhase.Running
                && g.getStatus().conditions.stream()
                    .anyMatch(
                        c ->
                            "ProcessRunning".equals(c.getType())
                                && "Running".equals(c.getReason())));
  }

  public KvmGuest awaitGuest(String name, GuestPhase phase) {
    return awaitGuest(name, g -> g.getStatus().phase == phase);
  }

  /** The guests placed on host {@code hostName} (status.host), or naming it (spec.hostRef). */
  public List<KvmGuest> guestsOn(String hostName) {
    return guestsOf(hostName);
  }

  /** The guests whose name starts with {@code prefix}. */
  public List<KvmGuest> guestsNamed(String prefix) {
    return client.resources(KvmGuest.class).inNamespace(NS).list().getItems().stream()
        .filter(g -> g.getMetadata().getName().startsWith(prefix))
        .toList();
  }

  public KvmGuest get(String name) {
    return client.resources(KvmGuest.class).inNamespace(NS).withName(name).get();
  }

  public void awaitGone(String name) {
    try {
      await().atMost(WAIT).until(() -> get(name) == null);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          "guest "
              + name
              + " was not deleted; threads:\n"
              + threadDumps()
              + "\nit is:\n"
              + client.getKubernetesSerialization().asYaml(get(name))
              + "\noperator log tail:\n"
              + tail(operatorLogs(), 400),
          e);
    }
  }

  public static Condition condition(List<Condition> conditions, String type) {
    return conditions.stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow();
  }

  public List<Event> events(String involvedName) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> involvedName.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  /** The guests placed on {@code host} (status.host), or naming it while not placed yet. */
  public List<KvmGuest> guestsOf(String host) {
    return client.resources(KvmGuest.class).inNamespace(NS).list().getItems().stream()
        .filter(g -> host.equals(dev.kvmop.controller.GuestHosts.hostName(g)))
        .toList();
  }

  /**
   * What a host holds compared with its KvmGuests, as counts of violations.
   *
   * @param guests the host's KvmGuests
   * @param duplicateQemu guest identities (uuids) with more than one live qemu
   * @param addressesHeldTwice IPs and MACs in more than one guest's status
   * @param leakedProcesses live qemu of the host whose uuid belongs to no KvmGuest
   * @param leakedDirs directories under the host's workDir/guests of no KvmGuest
   */
  public record Audit(
      int guests,
      int duplicateQemu,
      int addressesHeldTwice,
      int leakedProcesses,
      int leakedDirs,
      List<String> findings) {
    public int duplicates() {
      return duplicateQemu + addressesHeldTwice;
    }

    public int leaks() {
      return leakedProcesses + leakedDirs;
    }
  }

  /**
   * Audits a host of this environment (its workDir is local: the host is loopback): duplicate qemu
   * per guest, addresses held twice, qemu and guest directories of no existing KvmGuest.
   */
  public Audit audit(String host) {
    List<KvmGuest> guests = guestsOf(host);
    java.util.Set<String> uids = new java.util.HashSet<>();
    guests.forEach(g -> uids.add(g.getMetadata().getUid()));
    List<String> findings = new ArrayList<>();

    Map<String, List<Long>> qemuByUuid = qemuOf(host);
    int duplicateQemu = 0;
    int leakedProcesses = 0;
    for (var e : qemuByUuid.entrySet()) {
      if (e.getValue().size() > 1) {
        duplicateQemu++;
        findings.add("uuid " + e.getKey() + " has qemu pids " + e.getValue());
      }
      if (!uids.contains(e.getKey())) {
        leakedProcesses += e.getValue().size();
        findings.add("qemu " + e.getValue() + " of uuid " + e.getKey() + " has no KvmGuest");
      }
    }

    Map<String, List<String>> holders = new java.util.TreeMap<>();
    for (KvmGuest g : guests) {
      if (g.getStatus() != null) {
        for (String a : java.util.Arrays.asList(g.getStatus().ip, g.getStatus().mac)) {
          if (a != null) {
            holders.computeIfAbsent(a, k -> new ArrayList<>()).add(g.getMetadata().getName());
          }
        }
      }
    }
    int heldTwice = 0;
    for (var e : holders.entrySet()) {
      if (e.getValue().size() > 1) {
        heldTwice++;
        findings.add("address " + e.getKey() + " held by " + e.getValue());
      }
    }

    int leakedDirs = 0;
    Path dirs = workRoot.resolve(host).resolve("guests");
    if (Files.isDirectory(dirs)) {
      try (var list = Files.list(dirs)) {
        for (Path d : list.toList()) {
          String leaf = d.getFileName().toString();
          if (uids.stream().noneMatch(uid -> leaf.endsWith("_" + uid))) {
            leakedDirs++;
            findings.add("guest directory " + leaf + " has no KvmGuest");
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return new Audit(
        guests.size(),
        duplicateQemu,
        heldTwice,
        leakedProcesses,
        leakedDirs,
        List.copyOf(findings));
  }

  /** The live qemu of a host of this environment (run from its workDir), by their -uuid. */
  public Map<String, List<Long>> qemuOf(String host) {
    String guestsDir = workRoot.resolve(host).resolve("guests") + "/";
    Map<String, List<Long>> byUuid = new java.util.TreeMap<>();
    ProcessHandle.allProcesses()
        .filter(p -> isQemu(p.pid()))
        .forEach(
            p -> {
              List<String> args = List.of(cmdline(p.pid()).split("\0"));
              if (args.stream().anyMatch(a -> a.startsWith(guestsDir))) {
                int i = args.indexOf("-uuid");
                String uuid = i >= 0 && i + 1 < args.size() ? args.get(i + 1) : "(none)";
                byUuid.computeIfAbsent(uuid, k -> new ArrayList<>()).add(p.pid());
              }
            });
    return byUuid;
  }

  /** Live qemu processes on this machine whose command line holds {@code uuid}. */
  public static List<Long> qemuWithUuid(String uuid) {
    return ProcessHandle.allProcesses()
        .filter(p -> cmdline(p.pid()).contains("-uuid\0" + uuid + "\0"))
        .map(ProcessHandle::pid)
        .toList();
  }

  public static String cmdline(long pid) {
    try {
      return new String(
          Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  public static boolean isQemu(long pid) {
    try {
      return Path.of("/proc", Long.toString(pid), "exe")
          .toRealPath()
          .toString()
          .equals(Path.of(QEMU).toRealPath().toString());
    } catch (IOException e) {
      return false;
    }
  }

  /** Kills every qemu this environment's hosts started (identified by their work dirs). */
  public void killLeftoverQemu() {
    liveQemu()
        .keySet()
        .forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
  }

  /**
   * Live (not zombie) qemu processes this environment's hosts started, pid → its {@code -uuid}
   * value, from one scan of /proc.
   */
  public Map<Long, String> liveQemu() {
    String marker = workRoot.toString() + "/";
    Map<Long, String> found = new java.util.TreeMap<>();
    ProcessHandle.allProcesses()
        .filter(p -> isQemu(p.pid()))
        .forEach(
            p -> {
              List<String> args = List.of(cmdline(p.pid()).split("\0"));
              int i = args.indexOf("-uuid");
              if (String.join(" ", args).contains(marker) && i >= 0 && i + 1 < args.size()) {
                found.put(p.pid(), args.get(i + 1));
              }
            });
    return found;
  }

  /** The guest directories below a host's workDir (empty when there are none). */
  public List<Path> guestDirs(String hostName) {
    Path guests = workRoot.resolve(hostName).resolve("guests");
    if (!Files.isDirectory(guests)) {
      return List.of();
    }
    try (var files = Files.list(guests)) {
      return files.sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Stops the operators, looks for the client key, its passphrase and {@code more} in their logs,
   * in Events and in KvmHosts (see {@link SecretHygiene}), prints the report line and closes the
   * environment; the caller asserts on the report.
   */
  public SecretHygiene.Report closeCheckingSecrets(SecretHygiene more) {
    SecretHygiene.Report report;
    try {
      operators.forEach(OperatorProcess::stop);
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
    operators.forEach(OperatorProcess::stop);
    killLeftoverQemu();
    api.close();
    sshd.close();
    extraSshds.forEach(OpenSshServer::close);
    deleteTree(workRoot);
  }

  private static void deleteTree(Path root) {
    try (var files = Files.walk(root)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
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

  static void write(Path p, String s) {
    try {
      Files.writeString(p, s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
