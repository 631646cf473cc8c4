package dev.kvmop.controller.host;

import dev.kvmop.controller.StatusConditions;
import dev.kvmop.host.HostException;
import java.time.Clock;

/** status.facts and lastProbeTime, from one remote command. */
record ProbeFacts(Clock clock) implements HostStep {
  @Override
  public StepResult run(HostRound round) throws HostException {
    round.probedQemu = HostReadiness.qemuBinary(round.spec(), round.status());
    round.status().facts = round.agent.probeFacts(round.probedQemu == null ? "" : round.probedQemu);
    round.status().lastProbeTime = StatusConditions.now(clock);
    return StepResult.NEXT;
  }
}
