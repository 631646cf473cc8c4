package dev.kvmop.controller.guest.lifecycle;

import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHost;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/** An {@link Inventory} over lists a test keeps, read afresh on every call (one namespace). */
final class ListInventory implements Inventory {
  private final Supplier<List<KvmGuest>> guests;
  private final Supplier<List<KvmHost>> hosts;

  ListInventory(Supplier<List<KvmGuest>> guests, Supplier<List<KvmHost>> hosts) {
    this.guests = guests;
    this.hosts = hosts;
  }

  @Override
  public List<KvmGuest> guestsOnHost(String hostId) {
    return guests.get().stream().filter(g -> GuestRun.hostId(g).equals(hostId)).toList();
  }

  @Override
  public List<KvmGuest> guestsIn(String namespace) {
    return List.copyOf(guests.get());
  }

  @Override
  public List<KvmHost> hostsIn(String namespace) {
    return List.copyOf(hosts.get());
  }

  @Override
  public Optional<KvmHost> host(String namespace, String name) {
    return hosts.get().stream().filter(h -> h.getMetadata().getName().equals(name)).findFirst();
  }
}
