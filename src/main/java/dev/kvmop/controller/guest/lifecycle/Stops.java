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
import dev.kvmop.host.HostException;
import java.time.Duration;

/** Stopping a guest's qemu: QMP system_powerdown, the grace period, SIGTERM, SIGKILL. */
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
    stopProcess(run, host);
    run.conditions().set(PROCESS_RUNNING, false, GuestReasons.STOPPED, message);
    run.conditions().set(READY, false, GuestReasons.STOPPED, message);
    services.transitions().enter(run, GuestPhase.Stopped, reason, message);
    return Outcome.awaitEvent();
  }

  /** Stops the process only (a restart relaunches it); the phase is the caller's. */
  void stopProcess(GuestRun run, HostDirectory.Entry host) throws HostException {
    services
        .agent(host)
        .stop(run.dirsOn(host).dir(), run.uid(), Duration.ofSeconds(run.spec().gracePeriodSeconds));
    KvmGuestStatus s = run.status();
    s.lastExit =
        new KvmGuestStatus.LastExit(ExitReason.Killed, StatusConditions.now(services.clock()));
    s.pid = null;
    s.processStartTicks = null;
  }
}
