package dev.kvmop.controller.host;

import static dev.kvmop.api.Conditions.READY;
import static dev.kvmop.api.Conditions.SPEC_VALID;

import dev.kvmop.api.HostPhase;
import dev.kvmop.api.HostReasons;
import dev.kvmop.controller.HostPools;
import java.util.List;

/** SpecValid: an invalid spec is Failed, and nothing touches the host until the spec is edited. */
record ValidateSpec(HostPools pools) implements HostStep {
  @Override
  public StepResult run(HostRound round) {
    List<String> errors =
        HostSpecValidation.validate(round.spec(), spec -> pools.validate(round.host()));
    if (errors.isEmpty()) {
      round.conditions().set(SPEC_VALID, true, HostReasons.VALID, "spec is valid");
      return StepResult.NEXT;
    }
    String message = String.join("; ", errors);
    round.conditions().set(SPEC_VALID, false, HostReasons.INVALID_SPEC, message);
    round
        .conditions()
        .set(
            READY, false, HostReasons.INVALID_SPEC, "spec is invalid; nothing is done until fixed");
    return StepResult.stop(HostPhase.Failed, HostReasons.INVALID_SPEC, message);
  }
}
