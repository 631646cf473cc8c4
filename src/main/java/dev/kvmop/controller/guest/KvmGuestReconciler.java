package dev.kvmop.controller.guest;

import static dev.kvmop.api.Conditions.READY;
import static dev.kvmop.api.Conditions.SPEC_VALID;

import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHost;
import dev.kvmop.controller.EventRecorder;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.host.HostAgentFactory;
import dev.kvmop.metrics.DomainMetrics;
import dev.kvmop.qemu.GuestSpecValidation;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Orchestrates a KvmGuest: checks the spec and its host, then hands the guest to the handler of its
 * phase ({@link GuestLifecycle}). Process state comes from the per-host probe ({@link
 * GuestProbes}), which also triggers reconciles when it changes.
 */
// Not generation-aware: the action annotations must trigger a reconcile too (GuestUpdateFilter).
@ControllerConfiguration(
    name = "kvmguest",
    generationAwareEventProcessing = false,
    informer = @Informer(onUpdateFilter = GuestUpdateFilter.class))
public class KvmGuestReconciler implements Reconciler<KvmGuest>, Cleaner<KvmGuest> {
  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(KvmGuestReconciler.class);
  static final String BY_HOST = "kvmguest-by-host";

  private final HostDirectory directory;
  private final GuestProbes probes;
  private final GuestLifecycle lifecycle;
  private final GuestDeletion deletion;
  private final Clock clock;
  private IndexerResourceCache<KvmGuest> cache;
  private SimpleInboundEventSource<KvmGuest> wakeups;

  public KvmGuestReconciler(
      HostAgentFactory agents,
      HostDirectory directory,
      GuestProbes probes,
      EventRecorder events,
      DomainMetrics metrics,
      Clock clock) {
    this(agents, directory, probes, events, metrics, clock, RestartPolicy.INITIAL_BACKOFF);
  }

  /** As the public constructor, with the first relaunch backoff given (tests shorten it). */
  KvmGuestReconciler(
      HostAgentFactory agents,
      HostDirectory directory,
      GuestProbes probes,
      EventRecorder events,
      DomainMetrics metrics,
      Clock clock,
      Duration initialBackoff) {
    this.directory = directory;
    this.probes = probes;
    this.clock = clock;
    GuestTransitions transitions = new GuestTransitions(events, metrics, clock);
    AddressBook addresses = new AddressBook();
    GuestContext shared =
        new GuestContext(agents, directory, probes, addresses, transitions, clock, this::guestsOn);
    this.lifecycle = new GuestLifecycle(shared, initialBackoff);
    this.deletion = new GuestDeletion(shared, this::wakeHost);
  }

  @Override
  public List<EventSource<?, KvmGuest>> prepareEventSources(EventSourceContext<KvmGuest> ctx) {
    cache = ctx.getPrimaryCache();
    cache.addIndexer(BY_HOST, g -> List.of(hostKey(g)));
    var hosts =
        InformerEventSourceConfiguration.from(KvmHost.class, KvmGuest.class)
            .withName("hosts")
            .withSecondaryToPrimaryMapper(
                h ->
                    cache
                        .byIndex(BY_HOST, HostDirectory.hostId(ns(h), h.getMetadata().getName()))
                        .stream()
                        .map(ResourceID::fromResource)
                        .collect(Collectors.toSet()))
            .withPrimaryToSecondaryMapper(
                (KvmGuest g) ->
                    g.getSpec() == null || g.getSpec().hostRef == null
                        ? Set.of()
                        : Set.of(new ResourceID(g.getSpec().hostRef.name, ns(g))))
            // Only what changes scheduling: spec edits and phase changes, not probe timestamps.
            .withOnUpdateFilter(
                (before, after) ->
                    !Objects.equals(
                            before.getMetadata().getGeneration(),
                            after.getMetadata().getGeneration())
                        || phase(before) != phase(after))
            .build();
    wakeups = new SimpleInboundEventSource<>("guest-wakeups");
    probes.onChange(
        new GuestProbes.Listener() {
          @Override
          public void guestChanged(ResourceID guest) {
            wake(guest);
          }

          @Override
          public void hostChanged(String hostId) {
            wakeHost(hostId);
          }
        });
    return List.of(new InformerEventSource<>(hosts, ctx), wakeups);
  }

  @Override
  public UpdateControl<KvmGuest> reconcile(KvmGuest guest, Context<KvmGuest> ctx) {
    log.debug("{}/{} reconcile", guest.getMetadata().getNamespace(), guest.getMetadata().getName());
    GuestRun run = new GuestRun(guest, ctx, clock);
    List<String> errors = GuestSpecValidation.validate(guest.getSpec());
    if (run.status().host != null
        && guest.getSpec() != null
        && guest.getSpec().hostRef != null
        && !run.status().host.equals(guest.getSpec().hostRef.name)) {
      errors =
          append(
              errors,
              "spec.hostRef.name: cannot change from "
                  + run.status().host
                  + " while the guest holds resources there; delete and recreate it");
    }
    if (!errors.isEmpty()) {
      return run.finish(lifecycle.invalid(run, String.join("; ", errors)));
    }
    run.conditions().set(SPEC_VALID, true, "Valid", "spec is valid");
    return run.finish(lifecycle.reconcile(run, ctx.getSecondaryResource(KvmHost.class)));
  }

  @Override
  public DeleteControl cleanup(KvmGuest guest, Context<KvmGuest> ctx) {
    log.debug("{}/{} cleanup", guest.getMetadata().getNamespace(), guest.getMetadata().getName());
    return deletion.cleanup(
        new GuestRun(guest, ctx, clock), ctx.getSecondaryResource(KvmHost.class));
  }

  @Override
  public ErrorStatusUpdateControl<KvmGuest> updateErrorStatus(
      KvmGuest guest, Context<KvmGuest> ctx, Exception e) {
    GuestRun run = new GuestRun(guest, ctx, clock);
    run.conditions()
        .set(READY, false, "ReconcileError", e.getClass().getSimpleName() + ": " + e.getMessage());
    return ErrorStatusUpdateControl.patchStatus(run.fresh());
  }

  /** Reconciles every guest on a host (reachability, boot or a freed address changed). */
  private void wakeHost(String hostId) {
    if (cache != null && wakeups != null) {
      cache.byIndex(BY_HOST, hostId).forEach(g -> wake(ResourceID.fromResource(g)));
    }
  }

  /**
   * Probes start as soon as the host controller publishes a host, which can be before this
   * controller's event sources run; such an early event is dropped (the guest's first reconcile
   * reads the probe anyway).
   */
  private void wake(ResourceID guest) {
    try {
      wakeups.propagateEvent(guest);
    } catch (RuntimeException e) {
      log.debug("{} event dropped before the controller started: {}", guest, e.toString());
    }
  }

  private List<KvmGuest> guestsOn(String hostId) {
    return cache == null ? List.of() : cache.byIndex(BY_HOST, hostId);
  }

  static String hostKey(KvmGuest g) {
    String host =
        g.getSpec() == null || g.getSpec().hostRef == null ? "" : g.getSpec().hostRef.name;
    return HostDirectory.hostId(ns(g), host);
  }

  private static String ns(io.fabric8.kubernetes.api.model.HasMetadata r) {
    return r.getMetadata().getNamespace();
  }

  private static HostPhase phase(KvmHost h) {
    return h.getStatus() == null ? null : h.getStatus().phase;
  }

  private static List<String> append(List<String> list, String item) {
    List<String> all = new java.util.ArrayList<>(list);
    all.add(item);
    return all;
  }
}
