package dev.kvmop.controller.guest.lifecycle;

import static dev.kvmop.api.Conditions.READY;
import static dev.kvmop.api.Conditions.SPEC_VALID;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.GuestPolicy;
import dev.kvmop.api.GuestReasons;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.host.HostException;
import dev.kvmop.qemu.GuestPolicyChecks;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The spec against its host's guestPolicy, once the host is known and before anything is done on it
 * (an image fetched from a hostPath, a launch): a refusal is SpecValid=False naming the field and
 * the policy, and the guest is Failed until the spec or the policy changes. Host paths are resolved
 * on the host (symlinks, ..), so a link below an allowed directory cannot lead out of it. The
 * verdict is kept per spec generation and policy: the host is asked once, not every reconcile.
 */
final class GuestPolicyCheck {
  private final GuestServices services;

  GuestPolicyCheck(GuestServices services) {
    this.services = services;
  }

  /** The outcome when the policy refuses the spec; empty when the lifecycle may go on. */
  Optional<Outcome> check(GuestRun run, HostDirectory.Entry host) throws HostException {
    List<String> errors = errors(run, host);
    if (errors.isEmpty()) {
      return Optional.empty();
    }
    String message = String.join("; ", errors);
    run.conditions().set(SPEC_VALID, false, GuestReasons.INVALID_SPEC, message);
    run.conditions()
        .set(
            READY,
            false,
            GuestReasons.INVALID_SPEC,
            "the host's guestPolicy refuses the spec; nothing is done until it changes");
    services.transitions().enter(run, GuestPhase.Failed, GuestReasons.INVALID_SPEC, message);
    return Optional.of(Outcome.awaitEvent());
  }

  /** Forgets the verdict of a guest whose qemu runs; its next launch asks again. */
  void launched(String uid) {
    services.policyVerdicts().forget(uid);
  }

  private List<String> errors(GuestRun run, HostDirectory.Entry host) throws HostException {
    GuestPolicy policy = host.spec().guestPolicy;
    PolicyVerdicts.Key key =
        new PolicyVerdicts.Key(
            run.guest().getMetadata().getGeneration(),
            List.copyOf(GuestPolicyChecks.allowed(policy)),
            policy == null ? null : policy.extraArgs);
    Optional<List<String>> known = services.policyVerdicts().of(run.uid(), key);
    if (known.isPresent()) {
      return known.get();
    }
    List<String> errors = GuestPolicyChecks.check(run.spec(), policy);
    List<GuestPolicyChecks.HostPath> paths = GuestPolicyChecks.hostPaths(run.spec());
    if (errors.isEmpty() && !paths.isEmpty()) {
      List<String> ask = new ArrayList<>();
      paths.forEach(p -> ask.add(p.path()));
      ask.addAll(key.allowed());
      List<String> real = services.agent(host).resolvePaths(host.spec().workDir, ask);
      errors =
          GuestPolicyChecks.resolvedErrors(
              paths,
              real.subList(0, paths.size()),
              policy,
              real.subList(paths.size(), real.size()));
    }
    services.policyVerdicts().record(run.uid(), key, errors);
    return errors;
  }
}
