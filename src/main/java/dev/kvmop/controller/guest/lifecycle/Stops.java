package dev.kvmop.controller.guest.lifecycle;

import static dev.kvmop.api.Conditions.PROCESS_RUNNING;
import static dev.kvmop.api.Conditions.READY;

import dev.kvmop.api.ExitReason;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.GuestReasons;
import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.StatusConditions;
import dev.kvmop.controller.StatusSink;
import dev.kvmop.host.HostAgent;
import dev.kvmop.host.HostException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Stopping a guest's qemu: QMP system_powerdown, the grace period, SIGTERM, SIGKILL. The stop runs
 * off the reconcile thread ({@link StopsInFlight}); while it runs the handler answers "look again
 * soon" and the guest's reconcile ends, and the reconcile after it ended carries on from there.
 */
final class Stops {
  private final GuestServices services;

  Stops(GuestServices services) {
    this.services = services;
  }

  /** Stops the guest for good: Stopping goes on record first, Stopped follows. */
  Outcome stop(
      GuestRun run,
      HostDirectory.Entry host,
      StatusSink<KvmGuestStatus> record,
      String reason,
      String message)
      throws HostException {
    services.transitions().enter(run, GuestPhase.Stopping, reason, message);
    record.write(run.status());
    Optional<Outcome> running = stopProcess(run, host, reason);
    if (running.isPresent()) {
      return running.get();
    }
    run.conditions().set(PROCESS_RUNNING, false, GuestReasons.STOPPED, message);
    run.conditions().set(READY, false, GuestReasons.STOPPED, message);
    services.transitions().enter(run, GuestPhase.Stopped, reason, message);
    return Outcome.awaitEvent();
  }

  /**
   * Stops the process only (a restart relaunches it); the phase is the caller's.
   *
   * @param reason why (a condition reason), which with the pid names this stop
   * @return empty once the process is stopped; while the stop runs, when to look again
   */
  Optional<Outcome> stopProcess(GuestRun run, HostDirectory.Entry host, String reason)
      throws HostException {
    HostAgent agent = services.agent(host);
    String dir = run.dirsOn(host).dir();
    Duration grace = Duration.ofSeconds(run.spec().gracePeriodSeconds);
    Optional<Instant> since =
        services
            .stops()
            .ask(run, reason + " pid " + run.status().pid, () -> agent.stop(dir, run.uid(), grace));
    if (since.isPresent()) {
      return Optional.of(inProgress(run, reason, since.get()));
    }
    KvmGuestStatus s = run.status();
    s.lastExit =
        new KvmGuestStatus.LastExit(ExitReason.Killed, StatusConditions.now(services.clock()));
    s.pid = null;
    s.processStartTicks = null;
    return Optional.empty();
  }

  /** Says on the Ready condition that a stop runs, and since when; looks again soon. */
  static Outcome inProgress(GuestRun run, String reason, Instant since) {
    run.conditions()
        .set(
            READY,
            false,
            reason,
            "stop in progress since " + since + ", grace " + run.spec().gracePeriodSeconds + "s");
    return Outcome.requeue(StopsInFlight.POLL);
  }
}
