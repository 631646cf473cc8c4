package dev.kvmop.bench.peer;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.bench.GuestBurst;
import dev.kvmop.bench.GuestBurst.Burst;
import dev.kvmop.bench.GuestCleanup;
import dev.kvmop.bench.GuestKills;
import dev.kvmop.bench.OperatorRig;
import dev.kvmop.bench.ProcessUsage;
import dev.kvmop.bench.Stats;
import dev.kvmop.bench.SteadySampler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * kvm-operator as its users drive it: guests written to the API, the operator JVM placing and
 * launching them over SSH on the KvmHosts of {@link OperatorRig}, "running" = this JVM's informer
 * sees status.phase Running.
 */
final class OperatorSide implements Side {
  private static final String LAUNCH_SECONDS = "kvmop_ssh_command_seconds_sum";
  private static final String LAUNCH = "op=\"launch\"";

  private final OperatorRig rig;
  private final int threads;
  private final int interval;
  private final int cleanupTimeoutSeconds;
  private final Consumer<String> notes;
  private final OperatorBoots boots;

  OperatorSide(
      OperatorRig rig,
      int threads,
      int interval,
      int cleanupTimeoutSeconds,
      Consumer<String> notes) {
    this.rig = rig;
    this.threads = threads;
    this.interval = interval;
    this.cleanupTimeoutSeconds = cleanupTimeoutSeconds;
    this.notes = notes;
    this.boots = new OperatorBoots(rig, interval, cleanupTimeoutSeconds, notes);
    rig.countApiRequests();
  }

  @Override
  public String name() {
    return "kvm-operator";
  }

  /** The bench's own create request is left out of the requests. */
  @Override
  public Start createOne(String name) throws Exception {
    Map<String, Long> before = rig.apiRequestCounts();
    double launch0 = rig.operator().metricSum(LAUNCH_SECONDS, LAUNCH);
    double up0 = ProcessUsage.uptime();
    long t0 = System.nanoTime();
    rig.client().resource(GuestShape.kvmGuest(name, OperatorRig.hostName(0))).create();
    long t =
        rig.tracker().await(name, t0, o -> o.phase() == GuestPhase.Running, Duration.ofSeconds(60));
    double qemu = ProcessUsage.startedSinceBoot(rig.tracker().last(name).pid());
    Map<String, Long> requests = new TreeMap<>();
    rig.apiRequestCounts()
        .forEach(
            (k, v) -> {
              long d = v - before.getOrDefault(k, 0L) - (k.equals("create kvmguests") ? 1 : 0);
              if (d > 0) {
                requests.put(k, d);
              }
            });
    double launch = rig.operator().metricSum(LAUNCH_SECONDS, LAUNCH) - launch0;
    return new Start((t - t0) / 1e6, (qemu - up0) * 1000, requests, launch * 1000);
  }

  @Override
  public List<Long> managerPids() {
    List<Long> pids = new ArrayList<>(SshSessions.pids(rig.sshds(), false));
    pids.add(rig.operator().pid());
    return pids;
  }

  @Override
  public Burst burst(String prefix, int n) throws Exception {
    Burst b = GuestBurst.run(rig, prefix, n, threads, GuestShape::kvmGuest, Duration.ofMinutes(5));
    notes.accept(
        String.format(
            "%s (kvm-operator): the %d create calls (%d client threads) all returned %.2f s after"
                + " the first",
            prefix, n, threads, b.createdS()));
    return b;
  }

  /**
   * Lets one probe interval pass, then samples the operator JVM and its sshd sessions (with the
   * commands their shells ran) over the window; remote commands from the operator's metrics.
   */
  @Override
  public Footprint steady(Duration window) throws Exception {
    Thread.sleep(interval * 1000L + 1000);
    long pid = rig.operator().pid();
    Map<String, Double> ops0 = SteadySampler.commandsByOp(rig.operator());
    var operator = CompletableFuture.supplyAsync(() -> usage(window, List.of(pid)));
    var sessions = CompletableFuture.supplyAsync(() -> usage(window, null));
    ProcessUsage.Result op = operator.get();
    ProcessUsage.Result ssh = sessions.get();
    Map<String, Double> perMinute = new LinkedHashMap<>();
    double total = 0;
    for (var e : SteadySampler.commandsByOp(rig.operator()).entrySet()) {
      double d = (e.getValue() - ops0.getOrDefault(e.getKey(), 0.0)) / op.seconds() * 60;
      if (d > 0) {
        perMinute.put(e.getKey(), d);
        total += d;
      }
    }
    List<String> byOp = new ArrayList<>();
    perMinute.forEach((k, v) -> byOp.add(k + " " + Stats.fmt(v)));
    double commands = total * op.seconds() / 60;
    String detail =
        String.format(
            "operator JVM %.2f %% / %.0f MB, its sshd sessions %.2f %% / %.0f MB; CPU per remote"
                + " command: operator %.1f ms, sshd sessions %.1f ms; remote commands per minute by"
                + " op: %s",
            op.cpuPct(),
            op.rssMaxMb(),
            ssh.cpuPct(),
            ssh.rssMaxMb(),
            op.cpuPct() * 10 * op.seconds() / commands,
            ssh.cpuPct() * 10 * ssh.seconds() / commands,
            String.join(", ", byOp));
    return new Footprint(op.cpuPct() + ssh.cpuPct(), op.rssMaxMb() + ssh.rssMaxMb(), total, detail);
  }

  /** The operator JVM by pid, or (pids null) the operator's sshd sessions as they are now. */
  private ProcessUsage.Result usage(Duration window, List<Long> pids) {
    try {
      return pids != null
          ? ProcessUsage.over(window, () -> pids, false)
          : ProcessUsage.over(window, () -> SshSessions.pids(rig.sshds(), false), true);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Detection = the first status this JVM sees that is not Running (or names a new pid). */
  @Override
  public List<Double> killAndNotice(Burst burst) throws Exception {
    Thread.sleep(interval * 1000L + 500);
    GuestKills.Killed killed = GuestKills.killAll(rig.tracker(), burst.names());
    List<Double> noticed = new ArrayList<>();
    for (String name : burst.names()) {
      noticed.add(
          GuestKills.secondsToLeaveRunning(rig.tracker(), killed, name, Duration.ofSeconds(120)));
    }
    return noticed;
  }

  @Override
  public List<Answer> bootAnswering(String prefix, int n, BootShape shape) throws Exception {
    return boots.run(prefix, n, shape);
  }

  /** After the operator stopped: removes a B7 bridge, taps and dnsmasq it left behind. */
  void removeNetworkLeftovers() {
    boots.removeLeftovers("end");
  }

  @Override
  public void cleanUp(String scenario) throws Exception {
    GuestCleanup.run(rig, scenario, cleanupTimeoutSeconds, notes);
  }
}
