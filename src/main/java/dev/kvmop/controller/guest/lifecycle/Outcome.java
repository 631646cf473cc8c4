package dev.kvmop.controller.guest.lifecycle;

import dev.kvmop.api.GuestPhase;
import java.time.Duration;

/** What a phase handler decided: when to look at the guest again, or which handler runs next. */
public sealed interface Outcome {
  /**
   * The longest any guest, in any phase, goes without a reconcile. JOSDK 5.3 can drop a foreign
   * update (a deletion, a spec edit, an annotation) that lands while the reconciler's own status
   * write is in flight (operator-framework/java-operator-sdk#3398, fixed after 5.3.2, the newest
   * version served here); the recheck bounds that loss. A recheck of a guest without a qemu costs
   * no remote command and, its status unchanged, no write.
   */
  Duration RECHECK = Duration.ofSeconds(60);

  /** When to reconcile again at the latest: the requeue, never later than {@link #RECHECK}. */
  default Duration nextLook() {
    if (this instanceof Requeue r && r.after().compareTo(RECHECK) < 0) {
      return r.after();
    }
    return RECHECK;
  }

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
