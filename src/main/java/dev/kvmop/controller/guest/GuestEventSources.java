package dev.kvmop.controller.guest;

import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHost;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.guest.lifecycle.GuestRun;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What wakes a guest's reconcile besides its own changes: its KvmHost (a spec edit or a phase
 * change) and the guest probes (a process changed; a host's reachability or boot changed). Also the
 * index of guests by host.
 */
final class GuestEventSources {
  private static final Logger log = LoggerFactory.getLogger(GuestEventSources.class);
  static final String BY_HOST = "kvmguest-by-host";

  private final GuestProbes probes;
  private IndexerResourceCache<KvmGuest> cache;
  private SimpleInboundEventSource<KvmGuest> wakeups;

  GuestEventSources(GuestProbes probes) {
    this.probes = probes;
  }

  List<EventSource<?, KvmGuest>> prepare(EventSourceContext<KvmGuest> ctx) {
    cache = ctx.getPrimaryCache();
    cache.addIndexer(BY_HOST, g -> List.of(GuestRun.hostId(g)));
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

  /** Reconciles every guest on a host (reachability, boot or a freed address changed). */
  void wakeHost(String hostId) {
    if (cache != null && wakeups != null) {
      cache.byIndex(BY_HOST, hostId).forEach(g -> wake(ResourceID.fromResource(g)));
    }
  }

  List<KvmGuest> guestsOn(String hostId) {
    return cache == null ? List.of() : cache.byIndex(BY_HOST, hostId);
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

  private static String ns(HasMetadata r) {
    return r.getMetadata().getNamespace();
  }

  private static HostPhase phase(KvmHost h) {
    return h.getStatus() == null ? null : h.getStatus().phase;
  }
}
