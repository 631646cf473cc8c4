package dev.kvmop.controller.host;

import dev.kvmop.api.HostPhase;

/** The phase a reconcile arrived at, with the reason and message that explain it. */
record HostOutcome(HostPhase phase, String reason, String message) {}
