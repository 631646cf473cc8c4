package dev.kvmop.controller.guest;

import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHost;
import dev.kvmop.controller.GuestHosts;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.guest.lifecycle.Inventory;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What wakes a guest's reconcile besides its own changes: its KvmHost (a spec, label or phase
 * change), the host controller publishing a changed host, and the guest probes (a process changed;
 * a host's reachability or boot changed). A guest not placed yet waits for any host of its
 * namespace, so every such change, and every guest released there, wakes all of them. Also the
 * caches the lifecycle reads ({@link Inventory}).
 */
final class GuestEventSources implements Inventory {
  private static final Logger log = LoggerFactory.getLogger(GuestEventSources.class);
  static final String BY_HOST = "kvmguest-by-host";
  static final String UNPLACED = "kvmguest-unplaced-by-namespace";

  private final GuestProbes probes;
  private final HostDirectory directory;
  private IndexerResourceCache<KvmGuest> cache;
  private InformerEventSource<KvmHost, KvmGuest> hosts;
  private SimpleInboundEventSource<KvmGuest> wakeups;

  GuestEventSources(GuestProbes probes, HostDirectory directory) {
    this.probes = probes;
    this.directory = directory;
  }

  List<EventSource<?, KvmGuest>> prepare(EventSourceContext<KvmGuest> ctx) {
    cache = ctx.getPrimaryCache();
    cache.addIndexer(BY_HOST, g -> List.of(GuestHosts.hostId(g)));
    cache.addIndexer(UNPLACED, g -> GuestHosts.placed(g) ? List.of() : List.of(ns(g)));
    var config =
        InformerEventSourceConfiguration.from(KvmHost.class, KvmGuest.class)
            .withName("hosts")
            .withSecondaryToPrimaryMapper(this::guestsToWake)
            .withPrimaryToSecondaryMapper(
                (KvmGuest g) -> {
                  String host = GuestHosts.hostName(g);
                  return host == null ? Set.of() : Set.of(new ResourceID(host, ns(g)));
                })
            // What changes placement: spec edits, labels and phase changes, not probe timestamps.
            .withOnUpdateFilter(
                (before, after) ->
                    !Objects.equals(
                            before.getMetadata().getGeneration(),
                            after.getMetadata().getGeneration())
                        || !Objects.equals(
                            before.getMetadata().getLabels(), after.getMetadata().getLabels())
                        || phase(before) != phase(after))
            .build();
    hosts = new InformerEventSource<>(config, ctx);
    wakeups = new SimpleInboundEventSource<>("guest-wakeups");
    probes.onChange(
        new GuestProbes.Listener() {
          @Override
          public void guestChanged(String guestDir) {
            GuestKeys.resourceId(guestDir, GuestEventSources.this::guestsIn)
                .ifPresent(GuestEventSources.this::wake);
          }

          @Override
          public void hostChanged(String hostId) {
            wakeHost(hostId);
          }
        });
    directory.onChange(hostId -> wakeUnplaced(namespaceOf(hostId)));
    return List.of(hosts, wakeups);
  }

  /** The guests of a host and the namespace's guests not placed yet. */
  private Set<ResourceID> guestsToWake(KvmHost h) {
    Set<ResourceID> ids = new HashSet<>();
    cache.byIndex(BY_HOST, HostDirectory.hostId(ns(h), h.getMetadata().getName())).stream()
        .map(ResourceID::fromResource)
        .forEach(ids::add);
    cache.byIndex(UNPLACED, ns(h)).stream().map(ResourceID::fromResource).forEach(ids::add);
    return ids;
  }

  /**
   * Reconciles every guest on a host (reachability, boot or a freed address changed), and the
   * namespace's guests not placed yet (room may have freed).
   */
  void wakeHost(String hostId) {
    if (cache != null && wakeups != null) {
      cache.byIndex(BY_HOST, hostId).forEach(g -> wake(ResourceID.fromResource(g)));
      wakeUnplaced(namespaceOf(hostId));
    }
  }

  /** Reconciles one guest (its stop ended). */
  void wakeGuest(String namespace, String name) {
    if (wakeups != null) {
      wake(new ResourceID(name, namespace));
    }
  }

  private void wakeUnplaced(String namespace) {
    if (cache != null && wakeups != null) {
      cache.byIndex(UNPLACED, namespace).forEach(g -> wake(ResourceID.fromResource(g)));
    }
  }

  @Override
  public List<KvmGuest> guestsOnHost(String hostId) {
    return cache == null ? List.of() : cache.byIndex(BY_HOST, hostId);
  }

  @Override
  public List<KvmGuest> guestsIn(String namespace) {
    return cache == null ? List.of() : cache.list(namespace).toList();
  }

  @Override
  public List<KvmHost> hostsIn(String namespace) {
    return hosts == null ? List.of() : hosts.list(namespace).collect(Collectors.toList());
  }

  @Override
  public Optional<KvmHost> host(String namespace, String name) {
    return hosts == null || name == null
        ? Optional.empty()
        : hosts.get(new ResourceID(name, namespace));
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

  private static String namespaceOf(String hostId) {
    return hostId.substring(0, hostId.indexOf('/'));
  }

  private static String ns(HasMetadata r) {
    return r.getMetadata().getNamespace();
  }

  private static HostPhase phase(KvmHost h) {
    return h.getStatus() == null ? null : h.getStatus().phase;
  }
}
