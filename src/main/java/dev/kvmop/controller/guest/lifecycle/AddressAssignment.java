package dev.kvmop.controller.guest.lifecycle;

import static dev.kvmop.api.Conditions.ADDRESS_ASSIGNED;
import static dev.kvmop.api.Conditions.READY;
import static dev.kvmop.api.Conditions.SCHEDULED;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.GuestReasons;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmGuestSpec;
import dev.kvmop.api.NetworkType;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.net.AddressAllocator;
import dev.kvmop.net.Allocation;
import dev.kvmop.net.PoolEntry;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;

/** A pool address for a guest from its host's allocator, or the reason it has to wait. */
final class AddressAssignment {
  private final GuestServices services;

  AddressAssignment(GuestServices services) {
    this.services = services;
  }

  /** Puts the guest's address in its status; false (guest Pending) when there is none for it. */
  boolean assign(GuestRun run, HostDirectory.Entry host) {
    KvmGuestSpec spec = run.spec();
    if (spec.network.type == NetworkType.None) {
      run.conditions()
          .set(
              ADDRESS_ASSIGNED,
              true,
              GuestReasons.NO_NETWORK,
              "network type None takes no address");
      return true;
    }
    AddressAllocator pool =
        services.addresses().forHost(run.hostId(), host.spec(), () -> holders(run.hostId()));
    Allocation result = pool.allocate(run.uid(), spec.network.ip);
    String hostName = spec.hostRef.name;
    if (result instanceof Allocation.Assigned a) {
      run.status().ip = a.entry().ip();
      run.status().mac = a.entry().mac();
      run.conditions()
          .set(
              ADDRESS_ASSIGNED,
              true,
              GuestReasons.ASSIGNED,
              a.entry().ip() + " " + a.entry().mac());
      return true;
    } else if (result instanceof Allocation.RequestedNotInPool r) {
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
              + pool.total()
              + " addresses of host "
              + hostName
              + " are in use; waiting for one to free");
    }
    return false;
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
    services.guestsOnHost().apply(hostId).stream()
        .filter(g -> g.getStatus() != null && g.getStatus().ip != null && g.getStatus().mac != null)
        .sorted(Comparator.comparing((KvmGuest g) -> g.getMetadata().getCreationTimestamp()))
        .forEach(
            g ->
                holders.put(
                    g.getMetadata().getUid(), new PoolEntry(g.getStatus().mac, g.getStatus().ip)));
    return holders;
  }
}
