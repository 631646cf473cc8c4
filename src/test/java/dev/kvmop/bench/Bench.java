package dev.kvmop.bench;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.host.Command;
import dev.kvmop.host.RemoteShell;
import dev.kvmop.host.SshTarget;
import dev.kvmop.host.ssh.SshRemoteShellFactory;
import dev.kvmop.testing.OpenSshServer;
import dev.kvmop.testing.TestObjects;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoublePredicate;

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
  /** The Dockerfile's flags, with MaxRAM standing in for the Deployment's 512Mi memory limit. */
  public static final String OPERATOR_JAVA_OPTS =
      "-XX:+UseSerialGC -XX:MaxRAMPercentage=60 -Xss512k -XX:MaxRAM=512m";

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
    DEFAULTS.put("operator-java-opts", OPERATOR_JAVA_OPTS);
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
      return Stats.median(runs);
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

  private OperatorRig rig;

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
    Map<String, String> opt = RunReport.options(args, DEFAULTS);
    return new Bench(opt, out).run();
  }

  String run() throws Exception {
    List<String> scenarios = List.of(opt.get("scenarios").toUpperCase().split(","));
    int repeat = num("repeat");
    String load = MachineInfo.loadAverage();
    long started = System.nanoTime();
    try {
      boolean needsOperator = scenarios.stream().anyMatch(s -> !s.equals("B4"));
      rig =
          OperatorRig.start(
              new OperatorRig.Config(
                  num("hosts"), num("b3-interval"), opt.get("operator-java-opts")),
              needsOperator,
              out);
      for (String s : scenarios) {
        for (int r = 1; r <= repeat; r++) {
          out.printf("== %s run %d/%d (load %s)%n", s, r, repeat, MachineInfo.loadAverage());
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
      if (rig != null) {
        rig.close();
      }
    }
    String section = report(load, Duration.ofNanos(System.nanoTime() - started));
    RunReport.append(Path.of(opt.get("out")), section, out);
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
      rig.client().resource(TestObjects.guest(name).on("host-0").build()).create();
      long t =
          rig.tracker()
              .await(name, t0, o -> o.phase() == GuestPhase.Running, Duration.ofSeconds(60));
      ms.add((t - t0) / 1e6);
    }
    add("B1", "creation→Running p50", "ms", Stats.pct(ms, 50), "≤ 300", v -> v <= 300);
    add("B1", "creation→Running p95", "ms", Stats.pct(ms, 95), "≤ 600", v -> v <= 600);
  }

  /** B2: guests created at once over all hosts. */
  void b2(int rep) throws Exception {
    int n = num("b2-guests");
    setInterval(num("b3-interval"));
    GuestBurst.Burst b = burst("b2-r" + rep, n, Duration.ofMinutes(5));
    add("B2", "creation→Running p50", "ms", Stats.pct(b.latenciesMs(), 50), "—", null);
    add(
        "B2",
        "creation→Running p95",
        "ms",
        Stats.pct(b.latenciesMs(), 95),
        "≤ 10000",
        v -> v <= 10_000);
    add("B2", "first create → all Running", "s", b.allRunningS(), "≤ 15", v -> v <= 15);
  }

  /** B3: steady-state probe cost with many Running guests. */
  void b3(int rep) throws Exception {
    int n = num("b3-guests");
    int interval = num("b3-interval");
    setInterval(interval);
    burst("b3-r" + rep, n, Duration.ofMinutes(5));
    SteadySampler.Steady s = steady(interval);
    int hosts = num("hosts");
    add(
        "B3",
        "probe commands per interval",
        "",
        s.probes() / s.intervals(),
        "≤ " + hosts + " (original: " + n + ")",
        v -> v <= hosts + 0.5);
    add("B3", "all remote commands per interval", "", s.commands() / s.intervals(), "—", null);
    notes.add("B3 run " + rep + ": remote commands per interval by op: " + fmtOps(s.perOp()));
    add(
        "B3",
        "operator CPU (" + n + " guests, " + interval + " s)",
        "% of a core",
        s.cpuPct(),
        "—",
        null);
    add("B3", "operator RSS max", "MB", s.rssMaxMb(), "—", null);
  }

  /** B4: per-command cost over OpenSSH, persistent shell versus a fresh exec channel. */
  void b4() throws Exception {
    OpenSshServer sshd = rig.sshds().get(0);
    SshTarget target = sshd.target("bench/b4", rig.key().privateKey(), 8);
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
    add(
        "B4",
        "persistent shell median (" + who + ")",
        "ms",
        Stats.median(shell),
        "≤ 10",
        v -> v <= 10);
    add("B4", "fresh exec channel median (" + who + ")", "ms", Stats.median(fresh), "—", null);
    add("B4", "fresh / persistent", "×", Stats.median(fresh) / Stats.median(shell), "—", null);
  }

  /** B5: kill -9 of guests' qemu; detection and relaunch under runStrategy Always. */
  void b5(int rep) throws Exception {
    int n = num("b5-guests");
    int interval = num("b5-interval");
    setInterval(interval);
    GuestBurst.Burst b = burst("b5-r" + rep, n, Duration.ofMinutes(2));
    Thread.sleep(interval * 1000L + 500);
    GuestKills.Killed killed = GuestKills.killAll(rig.tracker(), b.names());
    List<Double> leave = new ArrayList<>();
    List<Double> back = new ArrayList<>();
    Duration wait = Duration.ofSeconds(120);
    for (String name : b.names()) {
      leave.add(GuestKills.secondsToLeaveRunning(rig.tracker(), killed, name, wait));
      int old = killed.pids().get(name);
      long tb =
          rig.tracker()
              .await(
                  name,
                  killed.nanos(),
                  o -> o.phase() == GuestPhase.Running && o.pid() != null && o.pid() != old,
                  wait);
      back.add((tb - killed.nanos()) / 1e9);
    }
    double limit = interval + 1;
    add("B5", "kill → leaves Running, p50", "s", Stats.pct(leave, 50), "—", null);
    add(
        "B5",
        "kill → leaves Running, max",
        "s",
        Stats.pct(leave, 100),
        "≤ " + limit,
        v -> v <= limit);
    add("B5", "kill → Running again (Always), p50", "s", Stats.pct(back, 50), "—", null);
    add("B5", "kill → Running again (Always), max", "s", Stats.pct(back, 100), "—", null);
  }

  /** B6: many Running guests at a long interval; operator footprint. */
  void b6(int rep) throws Exception {
    int n = num("b6-guests");
    int interval = num("b6-interval");
    setInterval(interval);
    GuestBurst.Burst b = burst("b6-r" + rep, n, Duration.ofMinutes(15));
    SteadySampler.Steady s = steady(interval);
    add("B6", "first create → all " + n + " Running", "s", b.allRunningS(), "—", null);
    add("B6", "operator RSS max (" + n + " guests)", "MB", s.rssMaxMb(), "≤ 400", v -> v <= 400);
    add(
        "B6",
        "operator CPU (" + interval + " s interval)",
        "% of a core",
        s.cpuPct(),
        "≤ 10",
        v -> v <= 10);
    add("B6", "all remote commands per interval", "", s.commands() / s.intervals(), "—", null);
    notes.add("B6 run " + rep + ": remote commands per interval by op: " + fmtOps(s.perOp()));
  }

  // ---------------------------------------------------------------- measurement helpers

  GuestBurst.Burst burst(String prefix, int n, Duration timeout) throws Exception {
    return GuestBurst.run(
        rig,
        prefix,
        n,
        num("create-threads"),
        (n2, h) -> TestObjects.guest(n2).on(h).build(),
        timeout);
  }

  SteadySampler.Steady steady(int interval) throws Exception {
    return SteadySampler.sample(rig.operator(), interval, num("window"));
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

  void setInterval(int seconds) throws Exception {
    rig.setInterval(seconds);
  }

  void cleanUp(String scenario) throws Exception {
    if (rig == null || rig.client() == null || scenario.equals("B4")) {
      return;
    }
    GuestCleanup.run(rig, scenario, num("cleanup-timeout"), notes::add);
  }

  // ---------------------------------------------------------------- report

  String report(String loadAtStart, Duration took) {
    StringBuilder s = new StringBuilder();
    s.append(
        RunReport.header("Run", DEFAULTS, opt, "dev.kvmop.bench.Bench " + opt, loadAtStart, ""));
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
          .append(Stats.fmt(f.median()))
          .append(f.unit().isEmpty() ? "" : " " + f.unit())
          .append(" | ")
          .append(String.join(", ", f.runs().stream().map(Stats::fmt).toList()))
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

  static String fmtOps(Map<String, Double> perOp) {
    List<String> parts = new ArrayList<>();
    perOp.forEach((op, v) -> parts.add(op + " " + Stats.fmt(v)));
    return String.join(", ", parts);
  }
}
