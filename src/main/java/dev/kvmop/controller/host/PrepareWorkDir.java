package dev.kvmop.controller.host;

import static dev.kvmop.api.Conditions.READY;

import dev.kvmop.api.HostPhase;
import dev.kvmop.host.HostException;
import dev.kvmop.host.WorkDirClaim;

/**
 * spec.workDir is this KvmHost's (claimed by its uid) and its guests directory exists. A workDir
 * that another KvmHost claimed, or a system directory, is refused on the host and the host Failed
 * with the refusal as reason (WorkDirClaimed, SystemDirectory); the next reconcile asks again, so
 * freeing the directory (deleting the other KvmHost) or giving this one its own workDir heals it.
 */
final class PrepareWorkDir implements HostStep {
  @Override
  public StepResult run(HostRound round) throws HostException {
    String workDir = round.spec().workDir;
    WorkDirClaim claim = round.agent.ensureWorkDir(workDir, round.host().getMetadata().getUid());
    if (claim.refusal().isEmpty()) {
      return StepResult.NEXT;
    }
    String reason = claim.refusal().get().name();
    String message =
        "spec.workDir "
            + workDir
            + " is refused on the host: "
            + claim.message()
            + "; give this KvmHost its own spec.workDir (every KvmHost on a machine needs a"
            + " directory of its own)";
    round.conditions().set(READY, false, reason, message);
    return StepResult.stop(HostPhase.Failed, reason, message);
  }
}
