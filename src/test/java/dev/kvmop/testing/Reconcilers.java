package dev.kvmop.testing;

import dev.kvmop.controller.EventRecorder;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.guest.GuestProbes;
import dev.kvmop.controller.guest.KvmGuestReconciler;
import dev.kvmop.controller.host.KvmHostReconciler;
import dev.kvmop.host.HostAgentFactory;
import dev.kvmop.metrics.DomainMetrics;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.function.Function;

/**
 * One operator's reconcilers on the CRUD API, wired as OperatorRuntime wires them: one clock,
 * metrics, event recorder and host directory for the host reconciler and, in tests that run guests,
 * the guest reconciler and its probes. A new instance is a fresh operator process against the same
 * API and hosts; {@link #close()} stops it.
 */
public final class Reconcilers implements AutoCloseable {
  public final Operator operator;
  public final HostAgentFactory agents;
  public final Clock clock = Clock.systemUTC();
  public final DomainMetrics metrics = new DomainMetrics(new SimpleMeterRegistry());
  public final EventRecorder events;
  public final HostDirectory directory = new HostDirectory();
  private GuestProbes probes;

  private Reconcilers(KubernetesClient client, HostAgentFactory agents) {
    this.agents = agents;
    operator = CrudApi.operator(client);
    events = new EventRecorder(client, clock);
  }

  /** The host reconciler alone, not started: no guest probes run. */
  public static Reconcilers hosts(KubernetesClient client, HostAgentFactory agents) {
    Reconcilers r = new Reconcilers(client, agents);
    r.operator.register(new KvmHostReconciler(agents, r.directory, r.events, r.metrics, r.clock));
    return r;
  }

  /**
   * Host and guest reconcilers (the production guest reconciler) with guest probes, not started.
   */
  public static Reconcilers hostsAndGuests(KubernetesClient client, HostAgentFactory agents) {
    return hostsAndGuests(
        client,
        agents,
        r ->
            new KvmGuestReconciler(
                r.agents, r.directory, r.probes(), r.events, r.metrics, r.clock));
  }

  /**
   * Host and guest reconcilers with guest probes, not started; {@code guestReconciler} makes the
   * guest reconciler from this wiring (e.g. with a shorter restart backoff).
   */
  public static Reconcilers hostsAndGuests(
      KubernetesClient client,
      HostAgentFactory agents,
      Function<Reconcilers, KvmGuestReconciler> guestReconciler) {
    Reconcilers r = hosts(client, agents);
    r.probes = new GuestProbes(r.directory, agents, r.metrics, r.clock);
    r.operator.register(guestReconciler.apply(r));
    return r;
  }

  /** The guest probes, or null when only the host reconciler runs. */
  public GuestProbes probes() {
    return probes;
  }

  public Reconcilers start() {
    operator.start();
    return this;
  }

  @Override
  public void close() {
    if (probes != null) {
      probes.close();
    }
    operator.stop();
  }
}
