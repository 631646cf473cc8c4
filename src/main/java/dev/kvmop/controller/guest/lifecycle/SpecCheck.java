package dev.kvmop.controller.guest.lifecycle;

import static dev.kvmop.api.Conditions.READY;
import static dev.kvmop.api.Conditions.SPEC_VALID;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.GuestReasons;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.qemu.GuestSpecValidation;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The spec, before anything else: valid (SpecValid=True), or SpecValid=False naming the fields, and
 * nothing else is done. A guest not launched becomes Failed; a running qemu is left alone.
 */
final class SpecCheck {
  private final GuestServices services;

  SpecCheck(GuestServices services) {
    this.services = services;
  }

  /** The outcome when the spec is invalid; empty when the lifecycle may go on. */
  Optional<Outcome> check(GuestRun run) {
    List<String> errors = errors(run);
    if (errors.isEmpty()) {
      run.conditions().set(SPEC_VALID, true, GuestReasons.VALID, "spec is valid");
      return Optional.empty();
    }
    String message = String.join("; ", errors);
    run.conditions().set(SPEC_VALID, false, GuestReasons.INVALID_SPEC, message);
    run.conditions()
        .set(
            READY,
            false,
            GuestReasons.INVALID_SPEC,
            "spec is invalid; nothing is done until fixed");
    if (!run.launched()) {
      services.transitions().enter(run, GuestPhase.Failed, GuestReasons.INVALID_SPEC, message);
    }
    return Optional.of(Outcome.awaitEvent());
  }

  private List<String> errors(GuestRun run) {
    KvmGuest guest = run.guest();
    List<String> errors = new ArrayList<>(GuestSpecValidation.validate(guest.getSpec()));
    errors.addAll(HostChoice.errors(guest.getSpec()));
    if (errors.isEmpty()) {
      services.disks().specErrors().of(run).ifPresent(errors::add);
    }
    String placedOn = run.status().host;
    if (placedOn != null
        && guest.getSpec() != null
        && guest.getSpec().hostRef != null
        && !placedOn.equals(guest.getSpec().hostRef.name)) {
      errors.add(
          "spec.hostRef.name: cannot change from "
              + placedOn
              + " while the guest holds resources there; delete and recreate it");
    }
    return errors;
  }
}
