package dev.kvmop.controller.host;

import dev.kvmop.controller.HostDirectory;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * A steady Ready host skips the rest of the full check: the guest probe's last answer vouches for
 * it ({@link FullChecks} says when), and its time becomes lastProbeTime.
 */
record SkipWhenSteady(FullChecks fullChecks, HostDirectory directory) implements HostStep {
  @Override
  public StepResult run(HostRound round) {
    Optional<Instant> vouched =
        fullChecks.steady(
            round.id(),
            round.generation(),
            round.status().phase,
            directory.lastProbe(round.id()).orElse(null),
            HostDirectory.probeInterval(round.spec()));
    if (vouched.isEmpty()) {
      return StepResult.NEXT;
    }
    round.status().lastProbeTime = vouched.get().truncatedTo(ChronoUnit.SECONDS).toString();
    return new StepResult.Stop(HostOutcome.READY);
  }
}
