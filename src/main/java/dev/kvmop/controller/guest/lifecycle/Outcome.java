package dev.kvmop.controller.guest.lifecycle;

import dev.kvmop.api.GuestPhase;
import java.time.Duration;

/** What a phase handler decided: when to look at the guest again, or which handler runs next. */
public sealed interface Outcome {
  /** Reconcile again after {@code after} (a backoff, a readiness period, a safety recheck). */
  record Requeue(Duration after) implements Outcome {}

  /** Nothing to do until something changes (a spec edit, an annotation, a probe, the host). */
  record AwaitEvent() implements Outcome {}

  /**
   * Carry on at once, in the same reconcile, with the handler of {@code phase} ("go straight on to
   * Starting"). The phase is not recorded here: the next handler records what it does.
   */
  record Then(GuestPhase phase) implements Outcome {}

  static Outcome requeue(Duration after) {
    return new Requeue(after);
  }

  static Outcome awaitEvent() {
    return new AwaitEvent();
  }

  static Outcome then(GuestPhase phase) {
    return new Then(phase);
  }
}
