package dev.kvmop.controller.guest.lifecycle;

import static dev.kvmop.api.Conditions.ADDRESS_ASSIGNED;
import static dev.kvmop.api.Conditions.READY;
import static dev.kvmop.api.Conditions.SCHEDULED;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.GuestReasons;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmGuestSpec;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.api.NetworkType;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.net.AddressAllocator;
import dev.kvmop.net.Allocation;
import dev.kvmop.net.PoolEntry;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A pool address for a guest from its host's allocator, or the reason it has to wait. Every
 * allocation runs under the namespace's placement lock, so placement's look at a pool and its
 * allocation are never split by another allocation.
 */
final class AddressAssignment {
  private final GuestServices services;

  AddressAssignment(GuestServices services) {
    this.services = services;
  }

  /**
   * Puts the address of a placed guest in its status (the one it holds: allocation is idempotent);
   * false (guest Pending) when there is none for it.
   */
  boolean assign(GuestRun run, HostDirectory.Entry host) {
    KvmGuestSpec spec = run.spec();
    if (spec.network.type == NetworkType.None) {
      noNetwork(run);
      return true;
    }
    AddressAllocator pool = pool(run.hostId(), host.spec());
    Allocation result =
        services
            .placements()
            .locked(run.namespace(), ledger -> pool.allocate(run.uid(), spec.network.ip));
    if (result instanceof Allocation.Assigned a) {
      assigned(run, a.entry());
      return true;
    }
    waitFor(run, result, pool.total());
    return false;
  }

  /** The host's allocator, built from the addresses its guests' status records on first use. */
  AddressAllocator pool(String hostId, KvmHostSpec hostSpec) {
    return services.addresses().forHost(hostId, hostSpec, () -> holders(hostId));
  }

  void noNetwork(GuestRun run) {
    run.conditions()
        .set(ADDRESS_ASSIGNED, true, GuestReasons.NO_NETWORK, "network type None takes no address");
  }

  void assigned(GuestRun run, PoolEntry entry) {
    run.status().ip = entry.ip();
    run.status().mac = entry.mac();
    run.conditions()
        .set(ADDRESS_ASSIGNED, true, GuestReasons.ASSIGNED, entry.ip() + " " + entry.mac());
  }

  /** The guest waits in Pending for an address its host's pool did not give it. */
  void waitFor(GuestRun run, Allocation result, int poolSize) {
    String hostName = run.hostName();
    if (result instanceof Allocation.RequestedNotInPool r) {
      noAddress(
          run,
          GuestReasons.REQUESTED_ADDRESS_NOT_IN_POOL,
          "spec.network.ip " + r.ip() + " is not in host " + hostName + "'s pool");
    } else if (result instanceof Allocation.RequestedTaken t) {
      noAddress(
          run,
          GuestReasons.REQUESTED_ADDRESS_TAKEN,
          "spec.network.ip " + t.ip() + " is held by another guest");
    } else {
      noAddress(
          run,
          GuestReasons.POOL_EXHAUSTED,
          "all "
              + poolSize
              + " addresses of host "
              + hostName
              + " are in use; waiting for one to free");
    }
  }

  private void noAddress(GuestRun run, String reason, String message) {
    run.conditions().set(ADDRESS_ASSIGNED, false, reason, message);
    run.conditions().set(SCHEDULED, false, reason, message);
    run.conditions().set(READY, false, reason, message);
    services.transitions().enter(run, GuestPhase.Pending, reason, message);
  }

  /** Addresses the guests on a host hold according to their status, oldest guest first. */
  private Map<String, PoolEntry> holders(String hostId) {
    Map<String, PoolEntry> holders = new LinkedHashMap<>();
    services.inventory().guestsOnHost(hostId).stream()
        .filter(g -> g.getStatus() != null && g.getStatus().ip != null && g.getStatus().mac != null)
        .sorted(Comparator.comparing((KvmGuest g) -> g.getMetadata().getCreationTimestamp()))
        .forEach(
            g ->
                holders.put(
                    g.getMetadata().getUid(), new PoolEntry(g.getStatus().mac, g.getStatus().ip)));
    return holders;
  }
}
