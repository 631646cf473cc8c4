package dev.kvmop.controller.host;

import static dev.kvmop.api.Conditions.READY;

import dev.kvmop.api.HostReasons;

/**
 * The last step: every check passed and the host is Ready. {@link FullChecks} remembers the check,
 * unless the network waits for something the guest probe cannot see change (a dnsmasq to install, a
 * port to free, another KvmHost to go): then the next reconcile checks fully again.
 */
record FullCheckPassed(FullChecks fullChecks) implements HostStep {
  @Override
  public StepResult run(HostRound round) {
    round.conditions().set(READY, true, HostReasons.READY, "host is ready for guests");
    if (round.networkSettled) {
      fullChecks.passed(
          round.id(), round.generation(), round.status().facts.bootId, round.networkStatus);
    } else {
      fullChecks.forget(round.id());
    }
    return new StepResult.Stop(HostOutcome.READY);
  }
}
