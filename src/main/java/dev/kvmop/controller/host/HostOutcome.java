package dev.kvmop.controller.host;

import dev.kvmop.api.HostPhase;
import dev.kvmop.api.HostReasons;

/** The phase a reconcile arrived at, with the reason and message that explain it. */
record HostOutcome(HostPhase phase, String reason, String message) {
  /** A full check passed, or the guest probe vouches that nothing changed since one did. */
  static final HostOutcome READY =
      new HostOutcome(
          HostPhase.Ready, HostReasons.READY, "connected, facts probed, workDir prepared");
}
