package dev.kvmop.controller.host;

import static dev.kvmop.api.Conditions.READY;

import dev.kvmop.api.HostReasons;

/** The last step: every check passed, the host is Ready and {@link FullChecks} remembers it. */
record FullCheckPassed(FullChecks fullChecks) implements HostStep {
  @Override
  public StepResult run(HostRound round) {
    round.conditions().set(READY, true, HostReasons.READY, "host is ready for guests");
    fullChecks.passed(round.id(), round.generation(), round.status().facts.bootId);
    return new StepResult.Stop(HostOutcome.READY);
  }
}
