package dev.kvmop.controller.guest.lifecycle;

import static dev.kvmop.api.Conditions.PROCESS_RUNNING;
import static dev.kvmop.api.Conditions.READY;

import dev.kvmop.api.ExitReason;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.GuestReasons;
import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.StatusConditions;
import java.time.Duration;
import java.time.Instant;

/**
 * The bookkeeping of a qemu that ended: lastExit, the phase the run strategy wants next, and the
 * relaunch backoff (consecutive failures, reset by a process that ran long enough).
 */
final class Exits {
  private final GuestServices services;
  private final CrashReports crashReports;

  /** First relaunch backoff; {@link RestartPolicy#INITIAL_BACKOFF} except in tests. */
  private final Duration initialBackoff;

  Exits(GuestServices services, Duration initialBackoff) {
    this.services = services;
    this.crashReports = new CrashReports(services);
    this.initialBackoff = initialBackoff;
  }

  /**
   * {@link #exited} for a crash or a failed launch, after a Warning Event {@code why} that carries
   * the last lines of the guest's logs.
   */
  Outcome crashed(GuestRun run, HostDirectory.Entry host, String why, String message) {
    crashReports.report(run, host, why, message);
    return exited(run, ExitReason.Crashed, why, message);
  }

  /**
   * Records that the guest's qemu ended for {@code reason}; {@code why} and {@code message} go to
   * the conditions and the phase change.
   */
  Outcome exited(GuestRun run, ExitReason reason, String why, String message) {
    KvmGuestStatus s = run.status();
    boolean ranLong = ranLong(s);
    s.lastExit = new KvmGuestStatus.LastExit(reason, StatusConditions.now(services.clock()));
    s.pid = null;
    s.processStartTicks = null;
    run.conditions().set(PROCESS_RUNNING, false, why, message);
    run.conditions().set(READY, false, why, message);
    GuestPhase next = RestartPolicy.afterExit(run.spec().runStrategy, reason);
    if (next != GuestPhase.Starting) {
      services.transitions().enter(run, next, why, message);
      return Outcome.awaitEvent();
    }
    int failures = ranLong ? 1 : (s.consecutiveFailures == null ? 0 : s.consecutiveFailures) + 1;
    s.consecutiveFailures = failures;
    Duration backoff = RestartPolicy.backoff(initialBackoff, failures);
    s.nextRestartAt = services.now().plus(backoff).toString();
    services
        .transitions()
        .enter(
            run,
            GuestPhase.Starting,
            GuestReasons.BACK_OFF,
            message + "; relaunch in " + backoff.toSeconds() + "s");
    return Outcome.requeue(backoff);
  }

  /** Whether the current process ran long enough that its exit starts the backoff afresh. */
  boolean ranLong(KvmGuestStatus s) {
    return s.startedAt != null
        && Duration.between(Instant.parse(s.startedAt), services.now())
                .compareTo(RestartPolicy.STABLE_RUN)
            >= 0;
  }
}
