package dev.kvmop.controller.host;

import dev.kvmop.api.HostPhase;

/** What a {@link HostStep} decided: the next step runs, or the reconcile stops in a phase. */
sealed interface StepResult {
  /** The next step runs. */
  StepResult NEXT = new Next();

  /** The next step runs. */
  record Next() implements StepResult {}

  /** The reconcile arrives at {@code outcome}; later steps do not run. */
  record Stop(HostOutcome outcome) implements StepResult {}

  static StepResult stop(HostPhase phase, String reason, String message) {
    return new Stop(new HostOutcome(phase, reason, message));
  }
}
