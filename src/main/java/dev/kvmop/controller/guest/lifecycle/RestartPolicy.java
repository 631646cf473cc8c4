package dev.kvmop.controller.guest.lifecycle;

import dev.kvmop.api.ExitReason;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.RunStrategy;
import java.time.Duration;

/** What a run strategy does after qemu exits, and how long to back off (pure). */
public final class RestartPolicy {
  public static final Duration INITIAL_BACKOFF = Duration.ofSeconds(10);
  static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

  /** A process that ran this long resets the backoff. */
  static final Duration STABLE_RUN = Duration.ofMinutes(10);

  private RestartPolicy() {}

  /** Phase after an exit: Starting means relaunch (after the backoff). */
  static GuestPhase afterExit(RunStrategy strategy, ExitReason reason) {
    return switch (strategy) {
      // A Killed exit under these strategies means an operator stop was cut short (e.g. a
      // restart action interrupted by a crash): the guest is meant to run.
      case Always -> GuestPhase.Starting;
      case RerunOnFailure ->
          reason == ExitReason.Shutdown ? GuestPhase.Succeeded : GuestPhase.Starting;
      case Manual ->
          switch (reason) {
            case Shutdown -> GuestPhase.Succeeded;
            case Killed -> GuestPhase.Stopped;
            default -> GuestPhase.Failed;
          };
      // Unrecognized never gets here (spec validation first); if it did, it would not relaunch.
      case Halted, Unrecognized -> GuestPhase.Stopped;
    };
  }

  /**
   * Backoff before the next relaunch: 10 s doubling to 5 min with each consecutive failure;
   * failures is the count including this one.
   */
  static Duration backoff(int failures) {
    return backoff(INITIAL_BACKOFF, failures);
  }

  /** As {@link #backoff(int)}, starting from {@code initial} (tests use a short one). */
  static Duration backoff(Duration initial, int failures) {
    int doublings = Math.max(0, Math.min(failures - 1, 10));
    Duration d = initial.multipliedBy(1L << doublings);
    return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
  }
}
