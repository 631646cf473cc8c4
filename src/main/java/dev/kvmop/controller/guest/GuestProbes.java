package dev.kvmop.controller.guest;

import dev.kvmop.concurrent.DaemonThreads;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.guest.lifecycle.ProbeSnapshot;
import dev.kvmop.host.GuestProcess;
import dev.kvmop.host.HostAgentFactory;
import dev.kvmop.host.HostException;
import dev.kvmop.host.HostProbe;
import dev.kvmop.metrics.DomainMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The periodic refresh: one probe command per host per probeIntervalSeconds reports every guest on
 * that host. Only guests whose observed state changed are handed to the reconciler, so a steady
 * host costs one remote command per interval and no reconciles.
 *
 * <p>The schedule's two threads only dispatch: each round runs on its own thread, at most one per
 * host at a time, so a host whose SSH handshake hangs (up to its deadline, again after every
 * reconnect back-off) delays no other host's probe.
 */
public final class GuestProbes implements ProbeSnapshot.Source, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GuestProbes.class);

  private final HostDirectory directory;
  private final HostAgentFactory agents;
  private final DomainMetrics metrics;
  private final Clock clock;
  private final ScheduledExecutorService executor;
  private final ExecutorService rounds =
      Executors.newCachedThreadPool(DaemonThreads.named("guest-probe-rounds"));
  private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
  private final Map<String, ProbeSnapshot> snapshots = new ConcurrentHashMap<>();
  private final Map<String, Loop> loops = new ConcurrentHashMap<>();

  /** A host's probe task and the interval it was scheduled with. */
  private record Loop(ScheduledFuture<?> task, Duration interval) {}

  private final Map<String, Object> hostLocks = new ConcurrentHashMap<>();
  private volatile Listener listener =
      new Listener() {
        @Override
        public void guestChanged(String guestDir) {}

        @Override
        public void hostChanged(String hostId) {}
      };

  /** Told what changed between two probes. */
  public interface Listener {
    /** The process state of a guest directory changed. */
    void guestChanged(String guestDir);

    /** The host's reachability or boot changed: every guest on it may be affected. */
    void hostChanged(String hostId);
  }

  public GuestProbes(
      HostDirectory directory, HostAgentFactory agents, DomainMetrics metrics, Clock clock) {
    this(directory, agents, metrics, clock, true);
  }

  private GuestProbes(
      HostDirectory directory,
      HostAgentFactory agents,
      DomainMetrics metrics,
      Clock clock,
      boolean loops) {
    this.directory = directory;
    this.agents = agents;
    this.metrics = metrics;
    this.clock = clock;
    this.executor = Executors.newScheduledThreadPool(2, DaemonThreads.named("guest-probes"));
    if (loops) {
      executor.scheduleWithFixedDelay(this::syncLoops, 0, 1, TimeUnit.SECONDS);
    }
  }

  /** Probes that run only when {@link #probeNow} is called: for tests that move a clock. */
  public static GuestProbes onDemand(
      HostDirectory directory, HostAgentFactory agents, DomainMetrics metrics, Clock clock) {
    return new GuestProbes(directory, agents, metrics, clock, false);
  }

  /** Where to report changes (the guest reconciler's event source). */
  public void onChange(Listener listener) {
    this.listener = listener;
  }

  @Override
  public Optional<ProbeSnapshot> snapshot(String hostId) {
    return Optional.ofNullable(snapshots.get(hostId));
  }

  /** Probes the host now, on the caller's thread, and returns the fresh snapshot. */
  public Optional<ProbeSnapshot> probeNow(String hostId) {
    probe(hostId);
    return snapshot(hostId);
  }

  /** Starts a loop for each usable host and stops loops of hosts that went away. */
  private void syncLoops() {
    try {
      Set<String> wanted = new HashSet<>();
      for (HostDirectory.Entry e : directory.all()) {
        if (e.usable()) {
          wanted.add(e.hostId());
          Duration interval = HostDirectory.probeInterval(e.spec());
          // A changed probeIntervalSeconds takes effect by rescheduling the host's loop.
          loops.compute(
              e.hostId(),
              (id, loop) -> {
                if (loop != null && loop.interval().equals(interval)) {
                  return loop;
                }
                if (loop != null) {
                  loop.task().cancel(false);
                }
                return new Loop(schedule(id, interval), interval);
              });
        }
      }
      loops.keySet().stream()
          .filter(id -> !wanted.contains(id))
          .toList()
          .forEach(
              id -> {
                loops.remove(id).task().cancel(false);
                snapshots.remove(id);
                hostLocks.remove(id);
              });
    } catch (RuntimeException e) {
      log.warn("probe scheduling failed: {}", e.toString());
    }
  }

  private ScheduledFuture<?> schedule(String hostId, Duration interval) {
    return executor.scheduleWithFixedDelay(
        () -> dispatch(hostId), 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Starts the host's round unless its previous one still runs (one probe per host at a time). */
  private void dispatch(String hostId) {
    if (!inFlight.add(hostId)) {
      return;
    }
    try {
      rounds.execute(
          () -> {
            try {
              probeSafely(hostId);
            } finally {
              inFlight.remove(hostId);
            }
          });
    } catch (RejectedExecutionException e) {
      inFlight.remove(hostId); // closing
    }
  }

  /** A periodic task that throws is never run again: nothing may escape a probe round. */
  private void probeSafely(String hostId) {
    try {
      probe(hostId);
    } catch (RuntimeException | Error e) {
      log.warn("{} probe round failed: {}", hostId, e.toString());
    }
  }

  private void probe(String hostId) {
    synchronized (hostLocks.computeIfAbsent(hostId, k -> new Object())) {
      Optional<HostDirectory.Entry> entry =
          directory.get(hostId).filter(HostDirectory.Entry::usable);
      if (entry.isEmpty()) {
        return;
      }
      // Stamped with its start: a qemu launched while the probe ran may be missing from its
      // answer, so the snapshot must count as older than that launch, never as newer.
      Instant start = Instant.now(clock);
      ProbeSnapshot next;
      try {
        HostProbe p =
            agents
                .agentFor(entry.get().target())
                .probeGuests(entry.get().spec().workDir, entry.get().qemuBinary());
        next = new ProbeSnapshot(start, p, null);
        metrics.probe(hostId, Duration.between(start, Instant.now(clock)));
      } catch (HostException e) {
        next = new ProbeSnapshot(start, null, e.getMessage());
      } catch (RuntimeException e) {
        log.warn("{} probe failed: {}", hostId, e.toString());
        next = new ProbeSnapshot(start, null, e.toString());
      }
      directory.probed(
          hostId,
          next.reachable()
              ? new HostDirectory.ProbeMark(
                  next.at(), next.probe().bootId(), next.probe().network())
              : new HostDirectory.ProbeMark(next.at(), null));
      ProbeSnapshot previous = snapshots.put(hostId, next);
      notifyChanges(hostId, previous, next);
    }
  }

  private void notifyChanges(String hostId, ProbeSnapshot before, ProbeSnapshot after) {
    Set<String> dirs = new HashSet<>();
    boolean reachabilityChanged = before == null || before.reachable() != after.reachable();
    boolean bootChanged =
        before != null
            && before.reachable()
            && after.reachable()
            && !Objects.equals(before.probe().bootId(), after.probe().bootId());
    if (before != null && before.probe() != null) {
      dirs.addAll(before.probe().guests().keySet());
    }
    if (after.probe() != null) {
      dirs.addAll(after.probe().guests().keySet());
    }
    for (String dir : dirs) {
      boolean differs =
          reachabilityChanged
              || bootChanged
              || !Objects.equals(
                  before == null ? null : before.guest(dir).map(GuestProbes::identity).orElse(null),
                  after.guest(dir).map(GuestProbes::identity).orElse(null));
      if (differs) {
        log.debug(
            "{} probe: {} changed to {}",
            hostId,
            dir,
            after.guest(dir).map(GuestProbes::identity).orElse("gone"));
        listener.guestChanged(dir);
      }
    }
    if (reachabilityChanged && before != null) {
      log.info(
          "{} probe: host {}",
          hostId,
          after.reachable() ? "answers" : "unreachable: " + after.error());
    }
    if (reachabilityChanged || bootChanged) {
      listener.hostChanged(hostId);
    }
  }

  /** The parts of a probe entry whose change matters to the reconciler. */
  private static String identity(GuestProcess p) {
    return p.state() + "/" + p.pid() + "/" + p.startTicks() + "/" + p.exit();
  }

  @Override
  public void close() {
    executor.shutdownNow();
    rounds.shutdownNow();
  }
}
