package dev.kvmop.controller.host;

import dev.kvmop.api.HostPhase;
import dev.kvmop.api.HostReasons;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.host.HostException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A host's reconcile: the steps below run in order until one decides the phase (the last one,
 * {@link FullCheckPassed}, always does). Then the phase change is recorded ({@link
 * HostTransitions}), lastProbeTime settled ({@link ProbeTimeHeartbeat}) and the host published to
 * the guest side ({@link HostDirectory}). A new check is a new {@link HostStep} in {@link #steps}.
 */
final class HostLifecycle {
  /** What a reconcile arrived at, and when to check again (empty: at the next spec edit). */
  record Result(HostOutcome outcome, Optional<Duration> recheckAfter) {}

  private final List<HostStep> steps;
  private final HostParts parts;
  private final CountGuests counts;

  HostLifecycle(HostParts parts) {
    this.parts = parts;
    List<SweepImageCache> sweeps =
        SweepImageCache.pair(parts.clock(), parts.events(), parts.directory());
    this.counts = new CountGuests(parts.metrics(), parts.directory().pools());
    this.steps =
        List.of(
            new ValidateSpec(parts.directory().pools()),
            counts,
            new ReadCredentials(),
            new Connect(parts.agents()),
            sweeps.get(1),
            new SkipWhenSteady(parts.fullChecks(), parts.directory()),
            new ProbeFacts(parts.clock()),
            new CheckReadiness(),
            new PrepareWorkDir(),
            new LoadModules(parts.build(), parts.transitions()),
            new CheckBuiltQemu(),
            new CheckNetwork(),
            sweeps.get(0),
            new FullCheckPassed(parts.fullChecks()));
  }

  Result run(HostRound round) {
    round.status().observedGeneration = round.generation();
    HostOutcome outcome = check(round);
    if (!HostReasons.INVALID_SPEC.equals(outcome.reason())) {
      counts.allocated(round);
    }
    if (outcome.phase() != HostPhase.Ready) {
      parts.fullChecks().forget(round.id());
    }
    parts.transitions().enter(round.host(), outcome);
    Duration interval = HostDirectory.probeInterval(round.spec());
    round.heartbeat().settle(round.status(), parts.clock().instant(), interval);
    publish(round);
    boolean waitsForEdit = HostReasons.INVALID_SPEC.equals(outcome.reason());
    return new Result(outcome, waitsForEdit ? Optional.empty() : Optional.of(interval));
  }

  private HostOutcome check(HostRound round) {
    try {
      for (HostStep step : steps) {
        if (step.run(round) instanceof StepResult.Stop stop) {
          return stop.outcome();
        }
      }
    } catch (HostException e) {
      return ConnectFailure.outcome(round, e);
    }
    throw new IllegalStateException("the last host step decides the phase");
  }

  /** Tells the guest side how to reach the host and in which phase it is. */
  private void publish(HostRound round) {
    var target = round.credentials == null ? null : SshTargets.of(round.host(), round.credentials);
    parts
        .directory()
        .publish(
            new HostDirectory.Entry(
                round.id(),
                target,
                round.spec(),
                round.status().phase,
                round.status().facts,
                target == null ? null : HostReadiness.qemuBinary(round.spec(), round.status())));
  }
}
