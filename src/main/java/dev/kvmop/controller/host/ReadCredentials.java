package dev.kvmop.controller.host;

import static dev.kvmop.api.Conditions.REACHABLE;

import dev.kvmop.api.HostPhase;

/** The Secret's key: a missing Secret or key keeps the host Pending until the Secret is fixed. */
final class ReadCredentials implements HostStep {
  @Override
  public StepResult run(HostRound round) {
    Object read = Credentials.from(round.secret(), round.secretName());
    if (read instanceof Credentials.Problem p) {
      return round.block(HostPhase.Pending, REACHABLE, p.reason(), p.message());
    }
    round.credentials = (Credentials) read;
    return StepResult.NEXT;
  }
}
