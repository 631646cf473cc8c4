package dev.kvmop.controller.host;

import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHost;
import dev.kvmop.controller.GuestHosts;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What wakes a host besides its own edits: its Secret (found through an index of hosts by Secret),
 * and its KvmGuests: those placed on it (status.host) and those not placed yet that name it
 * (spec.hostRef). The guests are read from this cache: a guest created before its host must count
 * too, which JOSDK's secondary index (filled only when an event maps to a known primary) misses.
 * The hosts themselves are indexed by the bridge they manage, so that two hosts managing one bridge
 * on one machine are found ({@link BridgeOwners}).
 */
final class HostEventSources {
  static final String SECRET_INDEX = "kvmhost-by-secret";
  static final String MANAGED_BRIDGE_INDEX = "kvmhost-by-managed-bridge";

  private InformerEventSource<KvmGuest, KvmHost> guests;
  private IndexerResourceCache<KvmHost> hosts;

  List<EventSource<?, KvmHost>> prepare(EventSourceContext<KvmHost> ctx) {
    hosts = ctx.getPrimaryCache();
    hosts.addIndexer(SECRET_INDEX, h -> List.of(secretKey(h)));
    hosts.addIndexer(MANAGED_BRIDGE_INDEX, h -> BridgeOwners.key(h).stream().toList());
    var secrets =
        InformerEventSourceConfiguration.from(Secret.class, KvmHost.class)
            .withName("secrets")
            // only labelled Secrets: a cache of every Secret would grow with unrelated ones
            .withLabelSelector(dev.kvmop.api.Labels.SSH_CREDENTIALS_SELECTOR)
            .withSecondaryToPrimaryMapper(
                s ->
                    ctx
                        .getPrimaryCache()
                        .byIndex(
                            SECRET_INDEX,
                            s.getMetadata().getNamespace() + "/" + s.getMetadata().getName())
                        .stream()
                        .map(ResourceID::fromResource)
                        .collect(Collectors.toSet()))
            .withPrimaryToSecondaryMapper(
                (KvmHost h) ->
                    Set.of(new ResourceID(secretName(h), h.getMetadata().getNamespace())))
            .build();
    var guestConfig =
        InformerEventSourceConfiguration.from(KvmGuest.class, KvmHost.class)
            .withName("guests")
            .withSecondaryToPrimaryMapper(
                g -> {
                  String host = GuestHosts.hostName(g);
                  return host == null
                      ? Set.of()
                      : Set.of(new ResourceID(host, g.getMetadata().getNamespace()));
                })
            .build();
    guests = new InformerEventSource<>(guestConfig, ctx);
    return List.of(new InformerEventSource<>(secrets, ctx), guests);
  }

  /** The KvmGuests placed on {@code host}, or naming it while not placed yet. */
  List<KvmGuest> guestsOf(KvmHost host) {
    String name = host.getMetadata().getName();
    return guests
        .list(host.getMetadata().getNamespace(), g -> name.equals(GuestHosts.hostName(g)))
        .toList();
  }

  /**
   * The older KvmHost managing {@code host}'s bridge on its machine, or null (see BridgeOwners).
   */
  String bridgeManagedBefore(KvmHost host) {
    return BridgeOwners.key(host)
        .map(key -> BridgeOwners.managedBefore(host, hosts.byIndex(MANAGED_BRIDGE_INDEX, key)))
        .orElse(null);
  }

  private static String secretKey(KvmHost h) {
    return h.getMetadata().getNamespace() + "/" + secretName(h);
  }

  private static String secretName(KvmHost h) {
    var ref = h.getSpec() == null ? null : h.getSpec().credentialsSecretRef;
    return ref == null ? "" : ref.name;
  }
}
