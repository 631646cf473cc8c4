package dev.kvmop.controller.host;

import static dev.kvmop.api.Conditions.HOST_KEY_VERIFIED;
import static dev.kvmop.api.Conditions.REACHABLE;
import static dev.kvmop.api.Conditions.READY;

import dev.kvmop.api.HostPhase;
import dev.kvmop.host.HostException;

/**
 * A host that did not answer, or refused the connection: Unreachable when it may answer again by
 * itself (connect, timeout, a failed command), Failed when the spec, the Secret or the host must be
 * fixed (host key, authentication, an unreadable key).
 */
final class ConnectFailure {
  private ConnectFailure() {}

  static HostOutcome outcome(HostRound round, HostException e) {
    var conditions = round.conditions();
    String reason = e.reason().name();
    String message = e.getMessage();
    if (e.reason() == HostException.Reason.InvalidCredentials) {
      // Name the field and the Secret the user has to fix (never the key or the passphrase).
      message = "spec.credentialsSecretRef: Secret " + round.secretName() + ": " + message;
    }
    if (e.reason() == HostException.Reason.HostKeyMismatch) {
      conditions.set(HOST_KEY_VERIFIED, false, reason, message);
      conditions.set(REACHABLE, false, reason, "connection refused: host key not verified");
    } else {
      conditions.set(REACHABLE, false, reason, message);
    }
    conditions.set(READY, false, reason, message);
    HostPhase phase =
        switch (e.reason()) {
          case Unreachable, Timeout, CommandFailed -> HostPhase.Unreachable;
          default -> HostPhase.Failed;
        };
    return new HostOutcome(phase, reason, message);
  }
}
