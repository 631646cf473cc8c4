package dev.kvmop.controller.guest.lifecycle;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.api.KvmHost;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.StatusSink;
import dev.kvmop.host.HostException;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The guest state machine. One reconcile: check the spec ({@link SpecCheck}), place a guest that
 * names no host ({@link Placer}), check the host ({@link HostGate}), hand the guest to the handler
 * of its phase, and follow the handlers' {@link Outcome.Then} to the next handler (at most {@link
 * #MAX_STEPS} in one reconcile). The status goes on record at the end, and earlier where a handler
 * needs it there before it acts.
 */
public final class GuestLifecycle {
  /** Handlers one reconcile may run: Pending, Scheduled, then Starting is the longest chain. */
  static final int MAX_STEPS = 3;

  private final GuestServices services;
  private final SpecCheck spec;
  private final Placer placer;
  private final HostGate gate;
  private final GuestPolicyCheck policy;
  private final Map<GuestPhase, PhaseHandler> handlers = new EnumMap<>(GuestPhase.class);

  /**
   * @param initialBackoff the first relaunch backoff ({@link RestartPolicy#INITIAL_BACKOFF} except
   *     in tests)
   */
  public GuestLifecycle(GuestServices services, Duration initialBackoff) {
    this.services = services;
    this.spec = new SpecCheck(services);
    this.placer = new Placer(services);
    this.gate = new HostGate(services);
    this.policy = new GuestPolicyCheck(services);
    LaunchTimes launches = services.launches();
    Readiness readiness = new Readiness(services);
    Exits exits = new Exits(services, initialBackoff);
    Stops stops = new Stops(services);
    ActionTokens actions = new ActionTokens(services, stops);
    PhaseHandler schedule = new Schedule(services, placer);
    PhaseHandler prepareDisks = new PrepareDisks(services);
    PhaseHandler launch =
        new Launch(services, exits, readiness, launches, new DiskPreparation(services), policy);
    PhaseHandler follow = new Follow(services, launches, exits, stops, actions, readiness);
    PhaseHandler idle = new Idle(actions);
    handlers.put(GuestPhase.Pending, schedule);
    handlers.put(GuestPhase.Scheduled, prepareDisks);
    handlers.put(GuestPhase.Starting, launch);
    handlers.put(GuestPhase.Running, follow);
    handlers.put(GuestPhase.Stopping, follow);
    handlers.put(GuestPhase.Unknown, follow);
    handlers.put(GuestPhase.Stopped, idle);
    handlers.put(GuestPhase.Succeeded, idle);
    handlers.put(GuestPhase.Failed, idle);
  }

  /**
   * Reconciles one guest.
   *
   * @param record puts the status on record (the reconciler's status writer)
   * @return when to look again: {@link Outcome.Requeue} or {@link Outcome.AwaitEvent}
   */
  public Outcome reconcile(GuestRun run, StatusSink<KvmGuestStatus> record) {
    Outcome outcome = decide(run, record);
    record.write(run.status());
    return outcome;
  }

  private Outcome decide(GuestRun run, StatusSink<KvmGuestStatus> record) {
    Optional<Outcome> invalid = spec.check(run);
    if (invalid.isPresent()) {
      if (run.status().host == null) {
        services.placements().update(run.namespace(), ledger -> ledger.notWaiting(run.uid()));
      }
      return invalid.get();
    }
    if (run.status().host == null && !run.namesHost()) {
      Optional<Outcome> waiting = placer.place(run, record);
      if (waiting.isPresent()) {
        return waiting.get();
      }
    }
    Optional<KvmHost> host = services.inventory().host(run.namespace(), run.hostName());
    HostGate.Verdict verdict = gate.check(run, host);
    if (verdict instanceof HostGate.Verdict.Closed closed) {
      return closed.outcome();
    }
    HostDirectory.Entry entry = ((HostGate.Verdict.Open) verdict).host();
    try {
      if (!run.launched()) {
        Optional<Outcome> refused = policy.check(run, entry);
        if (refused.isPresent()) {
          return refused.get();
        }
      }
      return runHandlers(run, entry, record);
    } catch (HostException e) {
      return gate.failed(run, e);
    }
  }

  private Outcome runHandlers(
      GuestRun run, HostDirectory.Entry host, StatusSink<KvmGuestStatus> record)
      throws HostException {
    GuestPhase phase = run.status().phase == null ? GuestPhase.Pending : run.status().phase;
    for (int step = 0; step < MAX_STEPS; step++) {
      Outcome outcome = handlers.get(phase).handle(run, host, record);
      if (!(outcome instanceof Outcome.Then then)) {
        return outcome;
      }
      phase = then.phase();
    }
    throw new IllegalStateException(
        run.namespace() + "/" + run.name() + ": more than " + MAX_STEPS + " handlers in a row");
  }
}
