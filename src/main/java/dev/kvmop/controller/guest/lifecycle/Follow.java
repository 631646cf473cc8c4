package dev.kvmop.controller.guest.lifecycle;

import static dev.kvmop.api.Conditions.PROCESS_RUNNING;

import dev.kvmop.api.ExitReason;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.GuestReasons;
import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.api.RunStrategy;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.StatusSink;
import dev.kvmop.host.HostException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Running, Stopping and Unknown: follow what the host probe sees of the qemu (still there, gone,
 * another process start), stop it when the run strategy says Halted, carry out action tokens, and
 * check readiness.
 */
final class Follow implements PhaseHandler {
  /** Look again this soon when this operator process has no probe of the host yet. */
  static final Duration FIRST_PROBE_WAIT = Duration.ofSeconds(2);

  private final GuestServices services;
  private final LaunchTimes launches;
  private final Exits exits;
  private final Stops stops;
  private final ActionTokens actions;
  private final Readiness readiness;

  Follow(
      GuestServices services,
      LaunchTimes launches,
      Exits exits,
      Stops stops,
      ActionTokens actions,
      Readiness readiness) {
    this.services = services;
    this.launches = launches;
    this.exits = exits;
    this.stops = stops;
    this.actions = actions;
    this.readiness = readiness;
  }

  @Override
  public Outcome handle(GuestRun run, HostDirectory.Entry host, StatusSink<KvmGuestStatus> record)
      throws HostException {
    Optional<Outcome> stopping = stopInFlight(run, host, record);
    if (stopping.isPresent()) {
      return stopping.get();
    }
    KvmGuestStatus s = run.status();
    ProbeSnapshot snapshot = services.probes().snapshot(run.hostId()).orElse(null);
    Observed seen = Observed.from(snapshot, run.dirsOn(host).dir(), s, launches.last(run.uid()));
    if (s.pid == null
        && (run.spec().runStrategy != RunStrategy.Halted || !(seen instanceof Observed.Running))) {
      // No launch was confirmed (the connection dropped mid-launch or mid-restart), so nothing is
      // known to have exited: launch again, which adopts a qemu that did start and records it as
      // a launch does (startedAt, argv, boot id, restarts), even when a probe already saw it.
      return Outcome.then(GuestPhase.Starting);
    }
    if (seen instanceof Observed.Exited x) {
      String message = "qemu pid " + s.pid + " is gone (" + x.reason() + ")";
      return x.reason() == ExitReason.Crashed
          ? exits.crashed(run, host, x.reason().name(), message)
          : exits.exited(run, x.reason(), x.reason().name(), message);
    }
    if (seen instanceof Observed.Running r
        && (!Objects.equals(r.pid(), s.pid)
            || !Objects.equals(r.startTicks(), s.processStartTicks))) {
      s.pid = r.pid();
      s.processStartTicks = r.startTicks();
      s.bootId = snapshot.probe().bootId();
    }
    run.conditions().set(PROCESS_RUNNING, true, GuestReasons.RUNNING, "qemu pid " + s.pid);
    services
        .transitions()
        .enter(run, GuestPhase.Running, GuestReasons.RUNNING, "qemu pid " + s.pid);
    if (run.spec().runStrategy == RunStrategy.Halted) {
      return stops.stop(run, host, record, GuestReasons.HALTED, "runStrategy is Halted");
    }
    return carryOn(run, host, snapshot == null);
  }

  /**
   * A stop of this guest that runs, or ended with its result not taken yet, comes before what the
   * probe saw: its qemu going away is the stop's doing, not an exit. While it runs, look again
   * later; once it ended, the handler that asked for it (Halted, a restart or reimage token) takes
   * its result. A result nobody asks for any more (the user changed their mind) is dropped, and the
   * guest is followed as usual.
   */
  private Optional<Outcome> stopInFlight(
      GuestRun run, HostDirectory.Entry host, StatusSink<KvmGuestStatus> record)
      throws HostException {
    StopsInFlight inFlight = services.stops();
    if (!inFlight.known(run.uid())) {
      return Optional.empty();
    }
    if (inFlight.running(run.uid())) {
      return Optional.of(Outcome.requeue(StopsInFlight.POLL));
    }
    if (run.spec().runStrategy == RunStrategy.Halted) {
      return Optional.of(
          stops.stop(run, host, record, GuestReasons.HALTED, "runStrategy is Halted"));
    }
    Optional<Outcome> action = actions.whileRunning(run, host);
    inFlight.dropFinished(run.uid());
    return action;
  }

  /** A running guest that stays running: action tokens, the backoff count, readiness. */
  private Outcome carryOn(GuestRun run, HostDirectory.Entry host, boolean noProbeYet)
      throws HostException {
    Optional<Outcome> action = actions.whileRunning(run, host);
    if (action.isPresent()) {
      return action.get();
    }
    KvmGuestStatus s = run.status();
    if (s.consecutiveFailures != null && s.consecutiveFailures > 0 && exits.ranLong(s)) {
      s.consecutiveFailures = 0;
    }
    Duration next = readiness.check(run, host);
    // No probe of this host yet (operator just started): look again soon rather than trust
    // the recorded pid until the safety recheck.
    return Outcome.requeue(
        noProbeYet && next.compareTo(FIRST_PROBE_WAIT) > 0 ? FIRST_PROBE_WAIT : next);
  }
}
