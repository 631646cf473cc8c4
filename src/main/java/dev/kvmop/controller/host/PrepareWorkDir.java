package dev.kvmop.controller.host;

import dev.kvmop.host.HostException;

/** spec.workDir and its guests directory exist on the host. */
final class PrepareWorkDir implements HostStep {
  @Override
  public StepResult run(HostRound round) throws HostException {
    round.agent.ensureWorkDir(round.spec().workDir);
    return StepResult.NEXT;
  }
}
