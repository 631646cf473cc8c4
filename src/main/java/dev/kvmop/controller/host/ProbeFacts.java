package dev.kvmop.controller.host;

import dev.kvmop.controller.StatusConditions;
import dev.kvmop.host.HostException;
import java.time.Clock;

/** status.facts and lastProbeTime, from one remote command. */
final class ProbeFacts implements HostStep {
  private final Clock clock;

  ProbeFacts(Clock clock) {
    this.clock = clock;
  }

  @Override
  public StepResult run(HostRound round) throws HostException {
    round.probedQemu = HostReadiness.qemuBinary(round.spec(), round.status());
    round.status().facts = round.agent.probeFacts(round.probedQemu == null ? "" : round.probedQemu);
    round.status().lastProbeTime = StatusConditions.now(clock);
    return StepResult.NEXT;
  }
}
