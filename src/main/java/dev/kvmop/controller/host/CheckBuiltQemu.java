package dev.kvmop.controller.host;

import static dev.kvmop.api.Conditions.READY;

import dev.kvmop.api.HostPhase;
import dev.kvmop.api.HostReasons;
import dev.kvmop.host.HostException;

/**
 * With spec.qemu.binary empty and modules Build, guests use the qemu built with kvm: its version is
 * probed once the build is in (again when the stamp, and so the path, changed).
 */
final class CheckBuiltQemu implements HostStep {
  @Override
  public StepResult run(HostRound round) throws HostException {
    if (!HostReadiness.builtQemu(round.spec())) {
      return StepResult.NEXT;
    }
    String built = HostReadiness.qemuBinary(round.spec(), round.status());
    if (!built.equals(round.probedQemu)) {
      round.status().facts = round.agent.probeFacts(built);
    }
    if (round.status().facts.qemuVersion != null) {
      return StepResult.NEXT;
    }
    String message = "the kvm build has no runnable qemu at " + built;
    round.conditions().set(READY, false, HostReasons.QEMU_MISSING, message);
    return StepResult.stop(HostPhase.Failed, HostReasons.QEMU_MISSING, message);
  }
}
