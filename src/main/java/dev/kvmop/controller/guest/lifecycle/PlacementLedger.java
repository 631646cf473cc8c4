package dev.kvmop.controller.guest.lifecycle;

import dev.kvmop.api.KvmGuest;
import dev.kvmop.controller.GuestHosts;
import dev.kvmop.placement.Resources;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What one namespace's hosts hold, as this operator process knows it; used only under the
 * namespace's placement lock. The informer cache is the record (status.host of every guest, which
 * after a restart is all there is), corrected for what the cache cannot show yet: placements this
 * process decided whose status write is not in the cache yet (reservations), and guests this
 * process released whose deletion is not in the cache yet.
 */
final class PlacementLedger {
  /** A placement decided here, counted until the cache shows its status.host. */
  record Reservation(String host, Resources demand) {}

  /** What the guests placed on one host take. */
  record Usage(Resources allocated, int guests) {
    static final Usage NONE = new Usage(Resources.NONE, 0);

    Usage plus(Resources demand) {
      return new Usage(allocated.plus(demand), guests + 1);
    }

    static Usage merge(Usage a, Usage b) {
      return new Usage(a.allocated.plus(b.allocated), a.guests + b.guests);
    }
  }

  private final Map<String, Reservation> reservations = new HashMap<>();
  private final Set<String> released = new HashSet<>();
  private final Set<String> waiting = new HashSet<>();

  /** The reservation of a guest whose placement is not in the cache yet. */
  Optional<Reservation> reservation(String uid) {
    return Optional.ofNullable(reservations.get(uid));
  }

  void reserve(String uid, Reservation r) {
    reservations.put(uid, r);
    waiting.remove(uid);
  }

  /** The guest found no host. */
  void waiting(String uid) {
    waiting.add(uid);
  }

  /** The guest no longer looks for a host (its spec became invalid). */
  void notWaiting(String uid) {
    waiting.remove(uid);
  }

  /** Guests of the namespace that found no host at their last try. */
  int waitingCount() {
    return waiting.size();
  }

  /**
   * The guest is gone from its host (deleted, its address released): it no longer counts, even
   * while the cache still holds it. Returns its reservation if its placement never reached the
   * cache.
   */
  Optional<Reservation> release(String uid) {
    released.add(uid);
    waiting.remove(uid);
    return Optional.ofNullable(reservations.remove(uid));
  }

  /**
   * Usage by host name, from {@code guests} (the namespace's guests in the cache) and what this
   * process decided since. Forgets reservations the cache now shows and released guests it no
   * longer holds.
   */
  Map<String, Usage> usage(Iterable<KvmGuest> guests) {
    Map<String, Usage> byHost = new HashMap<>();
    Set<String> present = new HashSet<>();
    for (KvmGuest g : guests) {
      String uid = g.getMetadata().getUid();
      present.add(uid);
      if (released.contains(uid) || !GuestHosts.placed(g)) {
        continue;
      }
      reservations.remove(uid);
      byHost.merge(
          g.getStatus().host, Usage.NONE.plus(GuestHosts.demand(g.getSpec())), Usage::merge);
    }
    // A reservation of a guest the cache no longer holds was never released: it was removed
    // without this process (its finalizer taken off by hand).
    reservations.keySet().retainAll(present);
    reservations.forEach(
        (uid, r) -> byHost.merge(r.host(), Usage.NONE.plus(r.demand()), Usage::merge));
    released.retainAll(present);
    waiting.retainAll(present);
    return byHost;
  }
}
