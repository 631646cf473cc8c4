package dev.kvmop.controller.host;

import dev.kvmop.host.HostException;

/** spec.workDir is this KvmHost's (claimed by its uid) and its guests directory exists. */
final class PrepareWorkDir implements HostStep {
  @Override
  public StepResult run(HostRound round) throws HostException {
    round.agent.ensureWorkDir(round.spec().workDir, round.host().getMetadata().getUid());
    return StepResult.NEXT;
  }
}
