package dev.kvmop.controller.guest.lifecycle;

import static dev.kvmop.api.Conditions.DISKS_READY;

import dev.kvmop.api.Conditions;
import dev.kvmop.api.GuestReasons;
import dev.kvmop.controller.StatusConditions;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.Optional;

/**
 * The DisksReady condition, and an Event when it turns to a new reason: a Warning for a problem, a
 * Normal one when a download starts (not for each progress step).
 */
final class DiskConditions {
  private final GuestServices services;

  DiskConditions(GuestServices services) {
    this.services = services;
  }

  /** DisksReady=False with this reason and message. */
  void notReady(GuestRun run, String reason, String message) {
    Optional<Condition> before = StatusConditions.find(run.status().conditions, DISKS_READY);
    boolean sameReason =
        before
            .filter(c -> Conditions.FALSE.equals(c.getStatus()) && reason.equals(c.getReason()))
            .isPresent();
    boolean sameMessage = sameReason && message.equals(before.get().getMessage());
    run.conditions().set(DISKS_READY, false, reason, message);
    if (GuestReasons.DOWNLOADING.equals(reason)) {
      if (!sameReason) {
        services.transitions().action(run.guest(), reason, "fetching base images on the host");
      }
    } else if (!sameMessage) {
      services.transitions().warn(run.guest(), reason, message);
    }
  }

  /** DisksReady=True. */
  void ready(GuestRun run, String message) {
    run.conditions().set(DISKS_READY, true, GuestReasons.PREPARED, message);
  }
}
