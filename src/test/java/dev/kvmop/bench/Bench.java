package dev.kvmop.bench;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHost;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.api.ObjectRef;
import dev.kvmop.host.Command;
import dev.kvmop.host.RemoteShell;
import dev.kvmop.host.SshTarget;
import dev.kvmop.host.ssh.SshRemoteShellFactory;
import dev.kvmop.local.LocalApiServer;
import dev.kvmop.testing.E2EEnvironment;
import dev.kvmop.testing.OpenSshServer;
import dev.kvmop.testing.OperatorProcess;
import dev.kvmop.testing.SshKeys;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.DoublePredicate;
import java.util.function.Predicate;

/**
 * The benchmark program ({@code make bench}); not a test. Starts one real OpenSSH sshd per host on
 * loopback (4 by default: each KvmHost has its own sshd and its own workDir on this machine), the
 * embedded CRUD API in this JVM, and the built operator jar as a separate JVM; runs the scenarios
 * B1..B6 of issue 5 {@code --repeat} times each, prints one Markdown table of medians over the
 * repeats and appends it with the machine, load and command to {@code --out} (docs/benchmarks.md).
 *
 * <p>Latencies are client-side: the wall clock before the create call to the wall clock at which
 * this JVM's informer first sees status.phase Running (creationTimestamp has 1 s resolution).
 * Operator CPU comes from /proc/PID/stat utime+stime deltas, RSS from /proc/PID/status VmRSS,
 * remote command counts from the operator's own kvmop_ssh_command_seconds_count on /metrics.
 */
public final class Bench {
  static final String NS = "default";

  /** Defaults: the figures of issue 5. Any other value marks the run as non-standard. */
  static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

  static {
    DEFAULTS.put("scenarios", "B1,B2,B3,B4,B5,B6");
    DEFAULTS.put("repeat", "3");
    DEFAULTS.put("hosts", "4");
    DEFAULTS.put("b1-guests", "20");
    DEFAULTS.put("b2-guests", "100");
    DEFAULTS.put("b3-guests", "100");
    DEFAULTS.put("b3-interval", "2");
    DEFAULTS.put("b4-commands", "200");
    DEFAULTS.put("b4-fresh", "50");
    DEFAULTS.put("b5-guests", "10");
    DEFAULTS.put("b5-interval", "2");
    DEFAULTS.put("b6-guests", "400");
    DEFAULTS.put("b6-interval", "10");
    DEFAULTS.put("window", "60");
    DEFAULTS.put("create-threads", "16");
    // The Dockerfile's flags, with MaxRAM standing in for the Deployment's 512Mi memory limit.
    DEFAULTS.put(
        "operator-java-opts", "-XX:+UseSerialGC -XX:MaxRAMPercentage=60 -Xss512k -XX:MaxRAM=512m");
    DEFAULTS.put("cleanup-timeout", "180");
    DEFAULTS.put("out", "docs/benchmarks.md");
  }

  /** One reported figure: its value in each repeat; the table shows the median. */
  record Figure(
      String scenario,
      String name,
      String unit,
      List<Double> runs,
      String target,
      DoublePredicate ok) {
    double median() {
      return Bench.median(runs);
    }

    String reached() {
      if (ok == null) {
        return "—";
      }
      if (runs.isEmpty() || runs.stream().anyMatch(v -> v.isNaN())) {
        return "no (incomplete)";
      }
      return ok.test(median()) ? "yes" : "**no**";
    }
  }

  private final Map<String, String> opt;
  private final PrintStream out;
  private final Map<String, Figure> figures = new LinkedHashMap<>();
  private final List<String> notes =
      java.util.Collections.synchronizedList(
          new ArrayList<>() {
            @Override
            public boolean add(String note) {
              out.println("NOTE: " + note);
              return super.add(note);
            }
          });
  private final Set<Long> qemuPids = ConcurrentHashMap.newKeySet();

  private Path dir;
  private Path workRoot;
  private SshKeys.KeyText key;
  private final List<OpenSshServer> sshds = new ArrayList<>();
  private LocalApiServer api;
  private KubernetesClient client;
  private OperatorProcess operator;
  private Tracker tracker;
  private SharedIndexInformer<KvmGuest> informer;
  private long clkTck;
  private int operatorRuns;

  Bench(Map<String, String> opt, PrintStream out) {
    this.opt = opt;
    this.out = out;
  }

  public static void main(String[] args) throws Exception {
    run(args, System.out);
    System.exit(0);
  }

  /** Runs the benchmark; returns the Markdown section it printed and appended. */
  public static String run(String[] args, PrintStream out) throws Exception {
    Map<String, String> opt = new LinkedHashMap<>(DEFAULTS);
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--") || !DEFAULTS.containsKey(a.substring(2)) || i + 1 >= args.length) {
        throw new IllegalArgumentException(
            "unknown or incomplete option " + a + "; known: " + DEFAULTS);
      }
      opt.put(a.substring(2), args[++i]);
    }
    return new Bench(opt, out).run();
  }

  String run() throws Exception {
    List<String> scenarios = List.of(opt.get("scenarios").toUpperCase().split(","));
    int repeat = num("repeat");
    String load = loadAverage();
    long started = System.nanoTime();
    try {
      setUp(scenarios);
      for (String s : scenarios) {
        for (int r = 1; r <= repeat; r++) {
          out.printf("== %s run %d/%d (load %s)%n", s, r, repeat, loadAverage());
          try {
            switch (s) {
              case "B1" -> b1(r);
              case "B2" -> b2(r);
              case "B3" -> b3(r);
              case "B4" -> b4();
              case "B5" -> b5(r);
              case "B6" -> b6(r);
              default -> throw new IllegalArgumentException("unknown scenario " + s);
            }
          } catch (Exception | AssertionError e) {
            notes.add(s + " run " + r + " failed: " + e);
            e.printStackTrace(out);
          } finally {
            cleanUp(s);
          }
        }
      }
    } finally {
      tearDown();
    }
    String section = report(load, Duration.ofNanos(System.nanoTime() - started));
    out.println(section);
    Path file = Path.of(opt.get("out"));
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    Files.writeString(file, "\n" + section, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    out.println("appended to " + file.toAbsolutePath());
    return section;
  }

  // ---------------------------------------------------------------- scenarios

  /** B1: guests created one after another on an idle host; creation to Running. */
  void b1(int rep) throws Exception {
    int n = num("b1-guests");
    setInterval(num("b3-interval"));
    List<Double> ms = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String name = "b1-r" + rep + "-" + i;
      long t0 = System.nanoTime();
      client.resource(E2EEnvironment.guest(name, "host-0")).create();
      long t = tracker.await(name, t0, o -> o.phase == GuestPhase.Running, Duration.ofSeconds(60));
      ms.add((t - t0) / 1e6);
    }
    add("B1", "creation→Running p50", "ms", pct(ms, 50), "≤ 300", v -> v <= 300);
    add("B1", "creation→Running p95", "ms", pct(ms, 95), "≤ 600", v -> v <= 600);
  }

  /** B2: guests created at once over all hosts. */
  void b2(int rep) throws Exception {
    int n = num("b2-guests");
    setInterval(num("b3-interval"));
    Burst b = burst("b2-r" + rep, n, Duration.ofMinutes(5));
    add("B2", "creation→Running p50", "ms", pct(b.latenciesMs, 50), "—", null);
    add("B2", "creation→Running p95", "ms", pct(b.latenciesMs, 95), "≤ 10000", v -> v <= 10_000);
    add("B2", "first create → all Running", "s", b.allRunningS, "≤ 15", v -> v <= 15);
  }

  /** B3: steady-state probe cost with many Running guests. */
  void b3(int rep) throws Exception {
    int n = num("b3-guests");
    int interval = num("b3-interval");
    setInterval(interval);
    burst("b3-r" + rep, n, Duration.ofMinutes(5));
    Steady s = steady(interval);
    int hosts = num("hosts");
    add(
        "B3",
        "probe commands per interval",
        "",
        s.probes / s.intervals,
        "≤ " + hosts + " (original: " + n + ")",
        v -> v <= hosts + 0.5);
    add("B3", "all remote commands per interval", "", s.commands / s.intervals, "—", null);
    notes.add("B3 run " + rep + ": remote commands per interval by op: " + fmtOps(s.perOp));
    add(
        "B3",
        "operator CPU (" + n + " guests, " + interval + " s)",
        "% of a core",
        s.cpuPct,
        "—",
        null);
    add("B3", "operator RSS max", "MB", s.rssMaxMb, "—", null);
  }

  /** B4: per-command cost over OpenSSH, persistent shell versus a fresh exec channel. */
  void b4() throws Exception {
    OpenSshServer sshd = sshds.get(0);
    SshTarget target = sshd.target("bench/b4", key.privateKey(), 8);
    Command cmd = new Command("bench", List.of("true"), Duration.ofSeconds(30));
    List<Double> shell = new ArrayList<>();
    List<Double> fresh = new ArrayList<>();
    try (RemoteShell rs = new SshRemoteShellFactory().connect(target)) {
      for (int i = 0; i < 5; i++) {
        rs.run(cmd);
        rs.runOnOwnChannel(cmd);
      }
      for (int i = 0; i < num("b4-commands"); i++) {
        long t0 = System.nanoTime();
        check(rs.run(cmd).ok(), "run(true) failed");
        shell.add((System.nanoTime() - t0) / 1e6);
      }
      for (int i = 0; i < num("b4-fresh"); i++) {
        long t0 = System.nanoTime();
        check(rs.runOnOwnChannel(cmd).ok(), "runOnOwnChannel(true) failed");
        fresh.add((System.nanoTime() - t0) / 1e6);
      }
    }
    String who = System.getProperty("user.name");
    add("B4", "persistent shell median (" + who + ")", "ms", median(shell), "≤ 10", v -> v <= 10);
    add("B4", "fresh exec channel median (" + who + ")", "ms", median(fresh), "—", null);
    add("B4", "fresh / persistent", "×", median(fresh) / median(shell), "—", null);
  }

  /** B5: kill -9 of guests' qemu; detection and relaunch under runStrategy Always. */
  void b5(int rep) throws Exception {
    int n = num("b5-guests");
    int interval = num("b5-interval");
    setInterval(interval);
    Burst b = burst("b5-r" + rep, n, Duration.ofMinutes(2));
    Thread.sleep(interval * 1000L + 500);
    Map<String, Integer> pids = new LinkedHashMap<>();
    for (String name : b.names) {
      pids.put(name, tracker.last(name).pid);
    }
    long t0 = System.nanoTime();
    for (int pid : pids.values()) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    List<Double> leave = new ArrayList<>();
    List<Double> back = new ArrayList<>();
    Duration wait = Duration.ofSeconds(120);
    for (String name : b.names) {
      int old = pids.get(name);
      long tl =
          tracker.await(
              name,
              t0,
              o -> o.phase != GuestPhase.Running || (o.pid != null && o.pid != old),
              wait);
      leave.add((tl - t0) / 1e9);
      long tb =
          tracker.await(
              name, t0, o -> o.phase == GuestPhase.Running && o.pid != null && o.pid != old, wait);
      back.add((tb - t0) / 1e9);
    }
    double limit = interval + 1;
    add("B5", "kill → leaves Running, p50", "s", pct(leave, 50), "—", null);
    add("B5", "kill → leaves Running, max", "s", pct(leave, 100), "≤ " + limit, v -> v <= limit);
    add("B5", "kill → Running again (Always), p50", "s", pct(back, 50), "—", null);
    add("B5", "kill → Running again (Always), max", "s", pct(back, 100), "—", null);
  }

  /** B6: many Running guests at a long interval; operator footprint. */
  void b6(int rep) throws Exception {
    int n = num("b6-guests");
    int interval = num("b6-interval");
    setInterval(interval);
    Burst b = burst("b6-r" + rep, n, Duration.ofMinutes(15));
    Steady s = steady(interval);
    add("B6", "first create → all " + n + " Running", "s", b.allRunningS, "—", null);
    add("B6", "operator RSS max (" + n + " guests)", "MB", s.rssMaxMb, "≤ 400", v -> v <= 400);
    add(
        "B6",
        "operator CPU (" + interval + " s interval)",
        "% of a core",
        s.cpuPct,
        "≤ 10",
        v -> v <= 10);
    add("B6", "all remote commands per interval", "", s.commands / s.intervals, "—", null);
    notes.add("B6 run " + rep + ": remote commands per interval by op: " + fmtOps(s.perOp));
  }

  // ---------------------------------------------------------------- measurement helpers

  record Burst(List<String> names, List<Double> latenciesMs, double allRunningS) {}

  /** Creates n guests round-robin over the hosts from a thread pool; waits for all Running. */
  Burst burst(String prefix, int n, Duration timeout) throws Exception {
    int hosts = num("hosts");
    List<String> names = new ArrayList<>();
    long[] t0 = new long[n];
    ExecutorService pool = Executors.newFixedThreadPool(num("create-threads"));
    long start = System.nanoTime();
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String name = prefix + "-" + i;
        names.add(name);
        int idx = i;
        fs.add(
            pool.submit(
                () -> {
                  t0[idx] = System.nanoTime();
                  client.resource(E2EEnvironment.guest(name, "host-" + (idx % hosts))).create();
                }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    List<Double> lat = new ArrayList<>();
    long last = start;
    long deadline = System.nanoTime() + timeout.toNanos();
    for (int i = 0; i < n; i++) {
      long left = Math.max(1, deadline - System.nanoTime());
      long t =
          tracker.await(
              names.get(i), t0[i], o -> o.phase == GuestPhase.Running, Duration.ofNanos(left));
      lat.add((t - t0[i]) / 1e6);
      last = Math.max(last, t);
    }
    return new Burst(names, lat, (last - start) / 1e9);
  }

  record Steady(
      double probes,
      double commands,
      double intervals,
      double cpuPct,
      double rssMaxMb,
      Map<String, Double> perOp) {}

  /** kvmop_ssh_command_seconds_count summed per op label. */
  Map<String, Double> commandsByOp() {
    Map<String, Double> byOp = new java.util.TreeMap<>();
    for (String line : operator.metrics().split("\n")) {
      if (line.startsWith("kvmop_ssh_command_seconds_count{")) {
        java.util.regex.Matcher m =
            java.util.regex.Pattern.compile("op=\"([^\"]*)\"").matcher(line);
        String op = m.find() ? m.group(1) : "?";
        byOp.merge(op, Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), Double::sum);
      }
    }
    return byOp;
  }

  /** Lets one interval pass, then samples the operator over --window seconds. */
  Steady steady(int interval) throws Exception {
    Thread.sleep(interval * 1000L + 1000);
    int window = num("window");
    double p0 = operator.metricSum("kvmop_ssh_command_seconds_count", "op=\"probe\"");
    double c0 = operator.metricSum("kvmop_ssh_command_seconds_count");
    Map<String, Double> ops0 = commandsByOp();
    long cpu0 = cpuTicks();
    long t0 = System.nanoTime();
    double rssMax = rssMb();
    long end = t0 + window * 1_000_000_000L;
    while (System.nanoTime() < end) {
      Thread.sleep(Math.min(1000, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
      rssMax = Math.max(rssMax, rssMb());
    }
    long cpu1 = cpuTicks();
    long t1 = System.nanoTime();
    double p1 = operator.metricSum("kvmop_ssh_command_seconds_count", "op=\"probe\"");
    double c1 = operator.metricSum("kvmop_ssh_command_seconds_count");
    Map<String, Double> perOp = new java.util.TreeMap<>();
    commandsByOp()
        .forEach(
            (op, v) -> {
              double d = v - ops0.getOrDefault(op, 0.0);
              if (d > 0) {
                perOp.put(op, d / ((System.nanoTime() - t0) / 1e9 / interval));
              }
            });
    double seconds = (t1 - t0) / 1e9;
    double cpuPct = (cpu1 - cpu0) / (double) clkTck / seconds * 100;
    return new Steady(p1 - p0, c1 - c0, seconds / interval, cpuPct, rssMax, perOp);
  }

  long cpuTicks() throws IOException {
    String stat = Files.readString(Path.of("/proc", Long.toString(operator.pid()), "stat"));
    // Fields after the ")" of comm: state is field 3, utime 14, stime 15.
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]);
  }

  double rssMb() throws IOException {
    for (String line :
        Files.readAllLines(Path.of("/proc", Long.toString(operator.pid()), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
      }
    }
    return Double.NaN;
  }

  void add(
      String scenario, String name, String unit, double value, String target, DoublePredicate ok) {
    figures
        .computeIfAbsent(
            scenario + "|" + name,
            k -> new Figure(scenario, name, unit, new ArrayList<>(), target, ok))
        .runs()
        .add(value);
    out.printf("   %s %s: %.2f %s%n", scenario, name, value, unit);
  }

  // ---------------------------------------------------------------- environment

  void setUp(List<String> scenarios) throws Exception {
    clkTck = Long.parseLong(sh("getconf", "CLK_TCK").strip());
    // The embedded API's mock web server logs every request through java.util.logging.
    java.util.logging.Logger.getLogger("io.fabric8.mockwebserver")
        .setLevel(java.util.logging.Level.WARNING);
    dir = Files.createTempDirectory("kvmop-bench");
    workRoot =
        Files.createDirectories(
            Path.of("/tmp", "kb" + Long.toString(ProcessHandle.current().pid(), 36)));
    key = SshKeys.generate("ed25519");
    int hosts = num("hosts");
    for (int i = 0; i < hosts; i++) {
      sshds.add(new OpenSshServer().authorize(key.publicKeyLine()).start());
    }
    boolean needsOperator = scenarios.stream().anyMatch(s -> !s.equals("B4"));
    if (!needsOperator) {
      return;
    }
    api = LocalApiServer.start(0);
    api.installBundledCrds();
    client = api.client();
    Path kubeconfig = dir.resolve("kubeconfig");
    api.writeKubeconfig(kubeconfig);
    client.resource(SshKeys.secret("node-ssh", key.privateKey(), null)).inNamespace(NS).create();
    for (int i = 0; i < hosts; i++) {
      client.resource(host(i)).create();
    }
    tracker = new Tracker();
    informer = client.resources(KvmGuest.class).inNamespace(NS).inform(tracker, 0);
    startOperator();
  }

  KvmHost host(int i) {
    KvmHost h = new KvmHost();
    h.getMetadata().setName("host-" + i);
    h.getMetadata().setNamespace(NS);
    KvmHostSpec spec = new KvmHostSpec();
    spec.address = "127.0.0.1";
    spec.port = sshds.get(i).port();
    spec.user = System.getProperty("user.name");
    spec.credentialsSecretRef = new ObjectRef("node-ssh");
    spec.hostKey = sshds.get(i).hostKeyLine();
    spec.workDir = workRoot.resolve("h" + i).toString();
    spec.probeIntervalSeconds = num("b3-interval");
    spec.kvm.requireHardwareVirtualization = false;
    // Hundreds of 1-vCPU guests on a 2-core machine: capacity from the facts would stop at 8.
    spec.capacity.cpus = 1024;
    h.setSpec(spec);
    return h;
  }

  /**
   * Sets every host's probe interval. A changed interval is not picked up by the running operator's
   * probe loop (smoke runs kept probing at the old cadence for 20 s and more), so on a change the
   * operator is restarted; the next scenario then also starts from a fresh operator JVM.
   */
  void setInterval(int seconds) throws Exception {
    boolean changed = false;
    for (int i = 0; i < num("hosts"); i++) {
      var h = client.resources(KvmHost.class).inNamespace(NS).withName("host-" + i);
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

  void startOperator() throws Exception {
    operator =
        new OperatorProcess(
            dir.resolve("kubeconfig"),
            dir.resolve("operator-" + (++operatorRuns) + ".log"),
            List.of(),
            Map.of("JAVA_TOOL_OPTIONS", opt.get("operator-java-opts")));
    operator.start();
    awaitHostsReady();
  }

  void awaitHostsReady() throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    for (int i = 0; i < num("hosts"); i++) {
      String name = "host-" + i;
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

  /**
   * Deletes every guest and waits until they are gone and their qemu processes ended; re-issues the
   * delete for guests without a deletionTimestamp, and after --cleanup-timeout records the stuck
   * guests, removes their finalizers and kills their qemu so the next scenario starts idle.
   */
  void cleanUp(String scenario) throws Exception {
    if (client == null || scenario.equals("B4")) {
      return;
    }
    var guests = client.resources(KvmGuest.class).inNamespace(NS);
    long deadline = System.nanoTime() + Duration.ofSeconds(num("cleanup-timeout")).toNanos();
    long nextDelete = 0;
    while (true) {
      List<KvmGuest> left = guests.list().getItems();
      if (left.isEmpty()) {
        break;
      }
      if (System.nanoTime() > deadline) {
        notes.add(
            scenario
                + ": "
                + left.size()
                + " guests not gone "
                + num("cleanup-timeout")
                + " s after delete (finalizers removed by the bench): "
                + left.stream()
                    .map(
                        g ->
                            g.getMetadata().getName()
                                + "="
                                + (g.getStatus() == null
                                    ? null
                                    : g.getStatus().phase
                                        + " "
                                        + g.getStatus().conditions.stream()
                                            .filter(c -> c.getType().equals("Ready"))
                                            .map(c -> c.getReason() + ": " + c.getMessage())
                                            .toList()))
                    .toList());
        for (KvmGuest g : left) {
          guests
              .withName(g.getMetadata().getName())
              .edit(
                  x -> {
                    x.getMetadata().setFinalizers(List.of());
                    return x;
                  });
        }
        break;
      }
      if (System.nanoTime() > nextDelete) {
        boolean first = nextDelete == 0;
        List<String> nudged = new ArrayList<>();
        for (KvmGuest g : left) {
          String name = g.getMetadata().getName();
          if (g.getMetadata().getDeletionTimestamp() == null) {
            guests.withName(name).delete();
          } else if (!first
              && g.getStatus() != null
              && g.getStatus().phase != GuestPhase.Stopping) {
            // Not yet acted on (queued behind other stops, or an event the operator missed): an
            // annotation change is an update event its filter accepts for a guest being deleted.
            try {
              guests
                  .withName(name)
                  .edit(
                      x -> {
                        x.getMetadata()
                            .getAnnotations()
                            .put("bench.kvmop.dev/nudge", Long.toString(System.nanoTime()));
                        return x;
                      });
              nudged.add(name);
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
              // best effort: gone meanwhile (404) or the operator wrote it meanwhile (409)
            }
          }
        }
        if (!nudged.isEmpty()) {
          notes.add(
              scenario
                  + ": "
                  + nudged.size()
                  + " guests still Running 10 s after their deletion (queued behind other stops,"
                  + " or a missed event); nudged with an annotation change"
                  + (nudged.size() <= 10 ? ": " + nudged : ""));
        }
        nextDelete = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      }
      Thread.sleep(250);
    }
    deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!liveQemu().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    List<Long> left = liveQemu();
    if (!left.isEmpty()) {
      notes.add(scenario + ": " + left.size() + " qemu left after delete; killed");
      left.forEach(p -> ProcessHandle.of(p).ifPresent(ProcessHandle::destroyForcibly));
    }
    tracker.clear();
  }

  /** Live qemu started under this run's work root, or by recorded pid. */
  List<Long> liveQemu() {
    String marker = workRoot + "/";
    return ProcessHandle.allProcesses()
        .filter(
            p ->
                E2EEnvironment.isQemu(p.pid())
                    && (qemuPids.contains(p.pid())
                        || E2EEnvironment.cmdline(p.pid()).contains(marker)))
        .map(ProcessHandle::pid)
        .toList();
  }

  void tearDown() {
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
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        out.println("could not remove " + workRoot + ": " + e);
      }
    }
    if (dir != null) {
      out.println("operator logs and kubeconfig kept in " + dir);
    }
  }

  // ---------------------------------------------------------------- status tracking

  /** One observed status: phase and pid, with this JVM's nanoTime at delivery. */
  record Obs(long nanos, GuestPhase phase, Integer pid) {}

  /** Records every status change the informer delivers, per guest name. */
  final class Tracker implements ResourceEventHandler<KvmGuest> {
    private final Map<String, List<Obs>> log = new ConcurrentHashMap<>();

    @Override
    public void onAdd(KvmGuest g) {
      record(g);
    }

    @Override
    public void onUpdate(KvmGuest old, KvmGuest g) {
      record(g);
    }

    @Override
    public void onDelete(KvmGuest g, boolean unknownFinalState) {}

    private void record(KvmGuest g) {
      long now = System.nanoTime();
      GuestPhase phase = g.getStatus() == null ? null : g.getStatus().phase;
      Integer pid = g.getStatus() == null ? null : g.getStatus().pid;
      if (pid != null) {
        qemuPids.add((long) pid);
      }
      List<Obs> l = log.computeIfAbsent(g.getMetadata().getName(), k -> new ArrayList<>());
      synchronized (l) {
        Obs last = l.isEmpty() ? null : l.get(l.size() - 1);
        if (last == null || last.phase != phase || !java.util.Objects.equals(last.pid, pid)) {
          l.add(new Obs(now, phase, pid));
        }
      }
    }

    Obs last(String name) {
      List<Obs> l = log.get(name);
      synchronized (l) {
        return l.get(l.size() - 1);
      }
    }

    /** nanoTime of the first observation at or after {@code since} matching; waits for it. */
    long await(String name, long since, Predicate<Obs> match, Duration timeout)
        throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        List<Obs> l = log.get(name);
        if (l != null) {
          synchronized (l) {
            for (Obs o : l) {
              if (o.nanos >= since && match.test(o)) {
                return o.nanos;
              }
            }
          }
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              name + ": expected state not seen within " + timeout + "; observed " + l);
        }
        Thread.sleep(5);
      }
    }

    void clear() {
      log.clear();
    }
  }

  // ---------------------------------------------------------------- report

  String report(String loadAtStart, Duration took) {
    StringBuilder s = new StringBuilder();
    String date = ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    s.append("## Run ").append(date).append("\n\n");
    List<String> nonDefault = new ArrayList<>();
    DEFAULTS.forEach(
        (k, v) -> {
          if (!v.equals(opt.get(k)) && !k.equals("out")) {
            nonDefault.add("--" + k + " " + opt.get(k));
          }
        });
    if (!nonDefault.isEmpty()) {
      s.append("**Non-standard parameters (not the issue's figures): ")
          .append(String.join(" ", nonDefault))
          .append("**\n\n");
    }
    s.append("- Command: `")
        .append(System.getProperty("bench.command", "dev.kvmop.bench.Bench " + opt))
        .append("`\n");
    s.append("- Machine: ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" cores (")
        .append(cpuModel())
        .append("), MemTotal ")
        .append(memTotal())
        .append(", kernel ")
        .append(sh("uname", "-r").strip())
        .append("\n");
    s.append("- Load average at start: ")
        .append(loadAtStart)
        .append("; at end: ")
        .append(loadAverage())
        .append("\n");
    s.append("- Software: Java ")
        .append(System.getProperty("java.version"))
        .append(", ")
        .append(firstLine(sh("/usr/sbin/sshd", "-V")))
        .append(", ")
        .append(firstLine(sh(E2EEnvironment.QEMU, "--version")))
        .append("\n");
    s.append("- Setup: ")
        .append(opt.get("hosts"))
        .append(" OpenSSH sshd on loopback, one per KvmHost, each host its own workDir;")
        .append(" SSH user ")
        .append(System.getProperty("user.name"))
        .append("; operator JVM `JAVA_TOOL_OPTIONS=")
        .append(opt.get("operator-java-opts"))
        .append("`; guests machine none, 16Mi, network None, TCG; ")
        .append(opt.get("repeat"))
        .append(" repeats per scenario, table shows the median of the repeats; took ")
        .append(took.toSeconds())
        .append(" s\n\n");
    s.append("| Scenario | Figure | Median | Runs | Target | Reached |\n");
    s.append("|---|---|---|---|---|---|\n");
    for (Figure f : figures.values()) {
      s.append("| ")
          .append(f.scenario())
          .append(" | ")
          .append(f.name())
          .append(" | ")
          .append(fmt(f.median()))
          .append(f.unit().isEmpty() ? "" : " " + f.unit())
          .append(" | ")
          .append(String.join(", ", f.runs().stream().map(Bench::fmt).toList()))
          .append(" | ")
          .append(f.target())
          .append(" | ")
          .append(f.reached())
          .append(" |\n");
    }
    if (!notes.isEmpty()) {
      s.append("\nNotes:\n");
      notes.forEach(n -> s.append("- ").append(n).append("\n"));
    }
    return s.toString();
  }

  // ---------------------------------------------------------------- small helpers

  int num(String key) {
    return Integer.parseInt(opt.get(key));
  }

  static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalStateException(message);
    }
  }

  static double median(List<Double> values) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> s = values.stream().sorted().toList();
    int mid = s.size() / 2;
    return s.size() % 2 == 1 ? s.get(mid) : (s.get(mid - 1) + s.get(mid)) / 2;
  }

  /** Nearest-rank percentile; 100 is the maximum. */
  static double pct(List<Double> values, int p) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> s = values.stream().sorted().toList();
    int rank = (int) Math.ceil(p / 100.0 * s.size());
    return s.get(Math.max(0, Math.min(s.size() - 1, rank - 1)));
  }

  static String fmt(double v) {
    if (Double.isNaN(v)) {
      return "n/a";
    }
    return Math.abs(v) >= 100 ? String.format("%.0f", v) : String.format("%.2f", v);
  }

  static String fmtOps(Map<String, Double> perOp) {
    List<String> parts = new ArrayList<>();
    perOp.forEach((op, v) -> parts.add(op + " " + fmt(v)));
    return String.join(", ", parts);
  }

  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "?";
    }
  }

  static String memTotal() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (l.startsWith("MemTotal:")) {
          long kb = Long.parseLong(l.replaceAll("[^0-9]", ""));
          return String.format("%.1f GiB", kb / 1024.0 / 1024.0);
        }
      }
    } catch (IOException e) {
      // fall through
    }
    return "?";
  }

  static String cpuModel() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (l.startsWith("model name")) {
          return l.substring(l.indexOf(':') + 1).strip();
        }
      }
    } catch (IOException e) {
      // fall through
    }
    return "?";
  }

  static String firstLine(String s) {
    String t = s.strip();
    int nl = t.indexOf('\n');
    return nl < 0 ? t : t.substring(0, nl);
  }

  /** Runs a local command; stdout and stderr together. */
  static String sh(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getOutputStream().close();
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(30, TimeUnit.SECONDS);
      return text;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }
}
