package dev.kvmop.bench.peer;

import dev.kvmop.bench.GuestBurst.Burst;
import dev.kvmop.bench.MachineInfo;
import dev.kvmop.bench.ProcessUsage;
import dev.kvmop.bench.Stats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The side-by-side scenarios. Each runs one side, cleans it up, then the other (ours first in odd
 * repeats, libvirt first in even ones, so a drift of the machine's load falls on both), and adds
 * the pair to the report. A new scenario is one more method and one more entry in {@link #all}.
 */
final class PeerScenarios {
  interface Scenario {
    void run(int rep) throws Exception;
  }

  private interface SideRun<T> {
    T run(Side side) throws Exception;
  }

  private record Pair<T>(T ours, T libvirt) {}

  private final Side ours;
  private final Side libvirt;
  private final PeerReport report;
  private final Map<String, String> opt;
  private final BootShape bootShape;

  /**
   * @param bootShape the guest of B7, or null when B7 is not run
   */
  PeerScenarios(
      Side ours, Side libvirt, PeerReport report, Map<String, String> opt, BootShape bootShape) {
    this.ours = ours;
    this.libvirt = libvirt;
    this.report = report;
    this.opt = opt;
    this.bootShape = bootShape;
  }

  Map<String, Scenario> all() {
    Map<String, Scenario> all = new LinkedHashMap<>();
    all.put("L1", this::singleCreate);
    all.put("L2", this::burst);
    all.put("L3", this::steadyState);
    all.put("L4", this::killedQemu);
    all.put("B7", this::bootAnswering);
    return all;
  }

  /** L1: guests created one after another on host 0; create → running. */
  void singleCreate(int rep) throws Exception {
    int n = num("l1-guests");
    Pair<List<Side.Start>> starts =
        onBoth(
            "L1",
            rep,
            side -> {
              List<Side.Start> l = new ArrayList<>();
              for (int i = 0; i < n; i++) {
                l.add(side.createOne("l1-r" + rep + "-" + i));
              }
              return l;
            });
    for (int p : new int[] {50, 95}) {
      report.add(
          "L1",
          "create → running p" + p,
          "ms",
          Stats.pct(ms(starts.ours()), p),
          Stats.pct(ms(starts.libvirt()), p),
          PeerReport.Goal.ratio(1.0));
    }
    report.note("L1 run " + rep + ", kvm-operator: " + StartBreakdown.of(starts.ours()));
    report.note("L1 run " + rep + ", libvirt: " + StartBreakdown.of(starts.libvirt()));
  }

  private static List<Double> ms(List<Side.Start> starts) {
    return starts.stream().map(Side.Start::ms).toList();
  }

  /** L2: guests created at once over all hosts from the client threads. */
  void burst(int rep) throws Exception {
    int n = num("l2-guests");
    Map<Side, Double> cpuSeconds = new LinkedHashMap<>();
    Pair<Burst> b =
        onBoth(
            "L2",
            rep,
            side -> {
              Map<Long, Long> before = ProcessUsage.ticks(side.managerPids());
              Burst burst = side.burst("l2-r" + rep, n);
              cpuSeconds.put(side, ProcessUsage.cpuSecondsSince(before, side.managerPids()));
              return burst;
            });
    report.add(
        "L2",
        "burst p50",
        "s",
        Stats.pct(b.ours().latenciesMs(), 50) / 1000,
        Stats.pct(b.libvirt().latenciesMs(), 50) / 1000,
        null);
    report.add(
        "L2",
        "burst p95",
        "s",
        Stats.pct(b.ours().latenciesMs(), 95) / 1000,
        Stats.pct(b.libvirt().latenciesMs(), 95) / 1000,
        PeerReport.Goal.ratio(0.8));
    report.add(
        "L2",
        "burst, manager + sshd sessions CPU per guest start",
        "ms",
        cpuSeconds.get(ours) * 1000 / n,
        cpuSeconds.get(libvirt) * 1000 / n,
        null);
    report.add(
        "L2",
        "burst first create → all " + n + " running",
        "s",
        b.ours().allRunningS(),
        b.libvirt().allRunningS(),
        PeerReport.Goal.ratio(0.8));
  }

  /**
   * L3: the manager's own cost while its guests just run; first with no guests at all (its fixed
   * cost), then with them.
   */
  void steadyState(int rep) throws Exception {
    int n = num("l3-guests");
    Duration idle = Duration.ofSeconds(num("idle-window"));
    Duration window = Duration.ofSeconds(num("window"));
    Map<Side, Side.Footprint> idleFootprint = new LinkedHashMap<>();
    Pair<Side.Footprint> f =
        onBoth(
            "L3",
            rep,
            side -> {
              idleFootprint.put(side, side.steady(idle));
              side.burst("l3-r" + rep, n);
              return side.steady(window);
            });
    report.add(
        "L3",
        "steady CPU, manager + its sshd sessions, no guests",
        "% of a core",
        idleFootprint.get(ours).cpuPct(),
        idleFootprint.get(libvirt).cpuPct(),
        null);
    report.add(
        "L3",
        "steady CPU, manager + its sshd sessions, " + n + " guests",
        "% of a core",
        f.ours().cpuPct(),
        f.libvirt().cpuPct(),
        PeerReport.Goal.ratio(1.0));
    report.add(
        "L3", "steady RSS, the same processes", "MB", f.ours().rssMb(), f.libvirt().rssMb(), null);
    report.add(
        "L3",
        "remote commands (ours) / client API calls (libvirt) per minute",
        "",
        f.ours().callsPerMinute(),
        f.libvirt().callsPerMinute(),
        null);
    report.note("L3 run " + rep + ", kvm-operator, no guests: " + idleFootprint.get(ours).detail());
    report.note("L3 run " + rep + ", kvm-operator: " + f.ours().detail());
    report.note("L3 run " + rep + ", libvirt: " + f.libvirt().detail());
  }

  /** L4: every guest's qemu SIGKILLed at once; until the side noticed. */
  void killedQemu(int rep) throws Exception {
    int n = num("l4-guests");
    Pair<List<Double>> s =
        onBoth("L4", rep, side -> side.killAndNotice(side.burst("l4-r" + rep, n)));
    double limit = num("interval") + 1;
    report.add(
        "L4",
        "killed qemu noticed p50",
        "s",
        Stats.pct(s.ours(), 50),
        Stats.pct(s.libvirt(), 50),
        null);
    report.add(
        "L4",
        "killed qemu noticed max",
        "s",
        Stats.pct(s.ours(), 100),
        Stats.pct(s.libvirt(), 100),
        new PeerReport.Goal(
            "kvm-operator ≤ probe interval + 1 = " + limit + " s", false, v -> v <= limit));
  }

  /** B7: fixture guests one after another, create → the guest answers HTTP on its pool IP. */
  void bootAnswering(int rep) throws Exception {
    int n = num("b7-guests");
    Pair<List<Side.Answer>> a =
        onBoth("B7", rep, side -> side.bootAnswering("b7-r" + rep, n, bootShape));
    List<Double> ours = a.ours().stream().map(Side.Answer::answerMs).toList();
    List<Double> theirs = a.libvirt().stream().map(Side.Answer::answerMs).toList();
    PeerReport.Goal goal =
        new PeerReport.Goal("kvm-operator ≤ 8 s", false, v -> v <= 8)
            .and(PeerReport.Goal.ratio(1.2));
    for (int p : new int[] {50, 95}) {
      report.add(
          "B7",
          "create → answers HTTP on its pool IP p" + p,
          "s",
          Stats.pct(ours, p) / 1000,
          Stats.pct(theirs, p) / 1000,
          p == 50 ? goal : null);
    }
    for (int p : new int[] {50, 95}) {
      report.add(
          "B7",
          "create → running p" + p,
          "s",
          Stats.pct(a.ours().stream().map(Side.Answer::runningMs).toList(), p) / 1000,
          Stats.pct(a.libvirt().stream().map(Side.Answer::runningMs).toList(), p) / 1000,
          null);
    }
    List<Double> ready = a.ours().stream().map(Side.Answer::readyMs).toList();
    report.note(
        String.format(
            "B7 run %d, kvm-operator create → Ready (TCP readinessProbe on port 80 every 1 s, from"
                + " the host) p50 %.2f s, p95 %.2f s; create → HTTP answer per guest: %s s",
            rep, Stats.pct(ready, 50) / 1000, Stats.pct(ready, 95) / 1000, seconds(ours)));
    report.note(
        String.format(
            "B7 run %d, libvirt (no readiness of its own) create → HTTP answer per guest: %s s",
            rep, seconds(theirs)));
  }

  private static String seconds(List<Double> ms) {
    return String.join(", ", ms.stream().map(v -> Stats.fmt(v / 1000)).toList());
  }

  private <T> Pair<T> onBoth(String scenario, int rep, SideRun<T> run) throws Exception {
    List<Side> order = rep % 2 == 1 ? List.of(ours, libvirt) : List.of(libvirt, ours);
    Map<Side, T> results = new LinkedHashMap<>();
    for (Side side : order) {
      report.progress("   -- " + side.name() + " (load " + MachineInfo.loadAverage() + ")");
      try {
        results.put(side, run.run(side));
      } finally {
        side.cleanUp(scenario);
      }
    }
    return new Pair<>(results.get(ours), results.get(libvirt));
  }

  private int num(String key) {
    return Integer.parseInt(opt.get(key));
  }
}
