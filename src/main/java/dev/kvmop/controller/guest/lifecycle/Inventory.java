package dev.kvmop.controller.guest.lifecycle;

import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHost;
import java.util.List;
import java.util.Optional;

/**
 * The KvmGuests and KvmHosts the controller's caches hold, as the lifecycle reads them (the
 * reconciler wires the informers in; tests hand in lists).
 */
public interface Inventory {
  /** The guests placed on a host, and the guests not placed yet that name it (by host id). */
  List<KvmGuest> guestsOnHost(String hostId);

  /** Every KvmGuest of a namespace. */
  List<KvmGuest> guestsIn(String namespace);

  /** Every KvmHost of a namespace. */
  List<KvmHost> hostsIn(String namespace);

  /** One KvmHost; empty for a null name. */
  Optional<KvmHost> host(String namespace, String name);
}
