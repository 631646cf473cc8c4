package dev.kvmop.controller.host;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.api.KvmHostStatus;
import dev.kvmop.net.AddressPool;
import java.util.Collection;

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

  static KvmHostStatus.PoolStatus pool(KvmHostSpec spec, Collection<KvmGuest> guests) {
    var pool = new KvmHostStatus.PoolStatus();
    var entries = AddressPool.from(spec);
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
}
