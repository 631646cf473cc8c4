package dev.kvmop.controller.host;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.api.KvmHostStatus;
import dev.kvmop.controller.GuestHosts;
import dev.kvmop.controller.HostCapacity;
import dev.kvmop.net.AddressPool;
import dev.kvmop.placement.Resources;
import java.util.Collection;
import java.util.List;

/** Guest and pool summaries for a host's status (pure). */
final class HostCounts {
  private HostCounts() {}

  static KvmHostStatus.GuestCounts guests(Collection<KvmGuest> guests) {
    var counts = new KvmHostStatus.GuestCounts();
    counts.total = guests.size();
    counts.running =
        (int)
            guests.stream()
                .filter(g -> g.getStatus() != null && g.getStatus().phase == GuestPhase.Running)
                .count();
    counts.summary = counts.running + "/" + counts.total;
    return counts;
  }

  static java.util.Map<String, Integer> byPhase(Collection<KvmGuest> guests) {
    java.util.Map<String, Integer> n = new java.util.HashMap<>();
    for (KvmGuest g : guests) {
      GuestPhase phase =
          g.getStatus() == null || g.getStatus().phase == null
              ? GuestPhase.Pending
              : g.getStatus().phase;
      n.merge(phase.name(), 1, Integer::sum);
    }
    return n;
  }

  static KvmHostStatus.PoolStatus pool(AddressPool entries, Collection<KvmGuest> guests) {
    var pool = new KvmHostStatus.PoolStatus();
    pool.total = entries.size();
    pool.allocated =
        (int)
            guests.stream()
                .filter(g -> g.getStatus() != null && g.getStatus().ip != null)
                .filter(g -> entries.indexOfIp(g.getStatus().ip) >= 0)
                .count();
    pool.free = pool.total - pool.allocated;
    pool.summary = pool.allocated + "/" + pool.total;
    return pool;
  }

  /**
   * What the guests placed on the host take (guests that only name it, not placed yet, take
   * nothing), and the limits (capacity x overcommit) for the summary.
   */
  static KvmHostStatus.Allocated allocated(
      KvmHostSpec spec, KvmHostStatus.HostFacts facts, Collection<KvmGuest> guests) {
    var allocated = new KvmHostStatus.Allocated();
    List<KvmGuest> placed = guests.stream().filter(GuestHosts::placed).toList();
    allocated.guests = placed.size();
    allocated.cpus =
        (int) placed.stream().mapToLong(g -> GuestHosts.demand(g.getSpec()).cpus()).sum();
    allocated.memory = Resources.memoryText(placedMemoryMiB(placed));
    Resources limits = HostCapacity.limits(spec, facts);
    allocated.summary =
        allocated.cpus
            + "/"
            + limits.cpus()
            + " cpu, "
            + allocated.memory
            + "/"
            + Resources.memoryText(limits.memoryMiB());
    return allocated;
  }

  static long placedMemoryMiB(Collection<KvmGuest> guests) {
    return guests.stream()
        .filter(GuestHosts::placed)
        .mapToLong(g -> GuestHosts.demand(g.getSpec()).memoryMiB())
        .sum();
  }
}
