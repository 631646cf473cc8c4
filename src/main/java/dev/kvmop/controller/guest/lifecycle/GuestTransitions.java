package dev.kvmop.controller.guest.lifecycle;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.GuestReasons;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.controller.EventRecorder;
import dev.kvmop.metrics.DomainMetrics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place a guest phase change is recorded: status, Event, metrics and log line. */
final class GuestTransitions {
  private static final Logger log = LoggerFactory.getLogger(GuestTransitions.class);

  private final EventRecorder events;
  private final DomainMetrics metrics;
  private final Clock clock;

  GuestTransitions(EventRecorder events, DomainMetrics metrics, Clock clock) {
    this.events = events;
    this.metrics = metrics;
    this.clock = clock;
  }

  /** Forgets the Event counts of a deleted guest. */
  void forget(String uid) {
    events.forget(uid);
  }

  /** Moves the guest to phase {@code to}; nothing happens when it is there already. */
  void enter(GuestRun run, GuestPhase to, String reason, String message) {
    KvmGuest guest = run.guest();
    KvmGuestStatus status = run.status();
    GuestPhase from = status.phase;
    if (from == to) {
      return;
    }
    status.phase = to;
    String id = guest.getMetadata().getNamespace() + "/" + guest.getMetadata().getName();
    log.info("{} guest {} -> {}: {} {}", id, from, to, reason, message);
    String text = "Guest " + to + ": " + message;
    if (to == GuestPhase.Failed
        || to == GuestPhase.Unknown
        || GuestReasons.UNSCHEDULABLE.equals(reason)) {
      events.warning(guest, reason, text);
    } else {
      events.normal(guest, reason, text);
    }
    if (to == GuestPhase.Running
        && (status.restarts == null || status.restarts == 0)
        && GuestReasons.LAUNCHED.equals(reason)) {
      Instant created = Instant.parse(guest.getMetadata().getCreationTimestamp());
      metrics.guestStarted(Duration.between(created, Instant.now(clock)));
    }
  }

  void restarted() {
    metrics.guestRestarted();
  }

  /** An action carried out (a Normal Event). */
  void action(KvmGuest guest, String reason, String message) {
    report(guest, false, reason, message);
  }

  /** Something the user should look at (a Warning Event). */
  void warn(KvmGuest guest, String reason, String message) {
    report(guest, true, reason, message);
  }

  private void report(KvmGuest guest, boolean warning, String reason, String message) {
    String id = guest.getMetadata().getNamespace() + "/" + guest.getMetadata().getName();
    if (warning) {
      log.warn("{} {}: {}", id, reason, message);
      events.warning(guest, reason, message);
    } else {
      log.info("{} action {}: {}", id, reason, message);
      events.normal(guest, reason, message);
    }
  }
}
