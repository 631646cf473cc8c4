package dev.kvmop.controller.host;

import dev.kvmop.api.KvmHost;
import dev.kvmop.api.KvmHostSpec;
import java.util.Collection;
import java.util.Comparator;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Which KvmHost manages a bridge when several name the same machine (address and port) and the same
 * bridge with spec.network.managed: the oldest (creation time, then namespace and name), for as
 * long as it exists. The others would fight over it (its address, its dnsmasq, its removal).
 */
final class BridgeOwners {
  private static final Comparator<KvmHost> AGE =
      Comparator.comparing(
              (KvmHost h) -> Objects.toString(h.getMetadata().getCreationTimestamp(), ""))
          .thenComparing(h -> Objects.toString(h.getMetadata().getNamespace(), ""))
          .thenComparing(h -> h.getMetadata().getName());

  private BridgeOwners() {}

  /** "address:port/bridge" of a host that manages its bridge; empty for any other host. */
  static Optional<String> key(KvmHost host) {
    KvmHostSpec spec = host.getSpec();
    if (spec == null
        || spec.network == null
        || !Boolean.TRUE.equals(spec.network.managed)
        || spec.address == null
        || spec.network.bridge == null) {
      return Optional.empty();
    }
    return Optional.of(
        spec.address.toLowerCase(Locale.ROOT) + ":" + spec.port + "/" + spec.network.bridge);
  }

  /**
   * The host among {@code sameKey} (the hosts with {@code host}'s key) that manages the bridge
   * instead of {@code host}, as "namespace/name"; null when {@code host} is the oldest.
   */
  static String managedBefore(KvmHost host, Collection<KvmHost> sameKey) {
    return sameKey.stream()
        .filter(
            other ->
                !Objects.equals(other.getMetadata().getUid(), host.getMetadata().getUid())
                    || !Objects.equals(other.getMetadata().getName(), host.getMetadata().getName()))
        .filter(other -> AGE.compare(other, host) < 0)
        .min(AGE)
        .map(h -> h.getMetadata().getNamespace() + "/" + h.getMetadata().getName())
        .orElse(null);
  }
}
