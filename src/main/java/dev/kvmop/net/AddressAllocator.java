package dev.kvmop.net;

import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The address allocator of one host. Every method is synchronized, so allocations for one host are
 * serialized; no two guests ever hold the same IP or the same MAC.
 *
 * <p>Holdings are keyed by a guest key chosen by the caller (e.g. {@code namespace/name}). A
 * holding need not be a pool entry: after a restart the allocator is rebuilt from the guests'
 * {@code status.ip/mac}, and a holding whose pair is no longer in the pool (the host spec changed)
 * stays held as an <em>orphan</em> until released, because its guest may still be using it. An
 * orphan blocks every pool entry that shares its IP or its MAC.
 */
public final class AddressAllocator {
  private AddressPool pool;
  private final Map<String, PoolEntry> holdings = new LinkedHashMap<>();
  private final Map<String, String> holderByIp = new HashMap<>();
  private final Map<String, String> holderByMac = new HashMap<>();
  private final Map<String, PoolEntry> conflicts = new LinkedHashMap<>();

  /** Pool indices whose IP or MAC is held. */
  private BitSet blocked = new BitSet();

  /**
   * Rebuilds the allocator from the holdings recorded in the guests' status. Should two recorded
   * holdings share an IP or MAC (never written by the operator, but status can be edited), the
   * first in iteration order keeps it and the later guests are reported by {@link #conflicts()} and
   * hold nothing; pass an ordered map for a deterministic result.
   */
  public AddressAllocator(AddressPool pool, Map<String, PoolEntry> currentHolders) {
    // Locked so that the state is safely published even if the allocator is handed to other
    // threads without synchronization.
    synchronized (this) {
      this.pool = pool;
      currentHolders.forEach(
          (guest, entry) -> {
            if (holderByIp.containsKey(entry.ip()) || holderByMac.containsKey(entry.mac())) {
              conflicts.put(guest, entry);
            } else {
              hold(guest, entry);
            }
          });
    }
  }

  public AddressAllocator(AddressPool pool) {
    this(pool, Map.of());
  }

  /**
   * Gives the guest an address. Idempotent: a guest that already holds one gets it back, even when
   * {@code requestedIp} names another (release first to move a guest).
   *
   * @param requestedIp an IP of the pool, or null/empty for the first free entry in pool order
   */
  public synchronized Allocation allocate(String guestKey, String requestedIp) {
    Allocation result = peek(guestKey, requestedIp);
    if (result instanceof Allocation.Assigned a && !holdings.containsKey(guestKey)) {
      hold(guestKey, a.entry());
      conflicts.remove(guestKey);
    }
    return result;
  }

  /**
   * What {@link #allocate} would return now, without holding anything: whether this pool has the
   * guest's address.
   */
  public synchronized Allocation peek(String guestKey, String requestedIp) {
    PoolEntry existing = holdings.get(guestKey);
    if (existing != null) {
      return new Allocation.Assigned(existing);
    }
    if (requestedIp != null && !requestedIp.isEmpty()) {
      return requested(requestedIp);
    }
    int index = blocked.nextClearBit(0);
    if (index >= pool.size()) {
      return new Allocation.Exhausted();
    }
    return new Allocation.Assigned(pool.get(index));
  }

  private Allocation requested(String requestedIp) {
    int index = pool.indexOfIp(requestedIp);
    if (index < 0) {
      return new Allocation.RequestedNotInPool(requestedIp);
    }
    PoolEntry entry = pool.get(index);
    String holder = holderByIp.getOrDefault(entry.ip(), holderByMac.get(entry.mac()));
    if (holder != null) {
      return new Allocation.RequestedTaken(entry.ip(), holder);
    }
    return new Allocation.Assigned(entry);
  }

  /** Frees the guest's address; call only once its process is gone. Returns what it held. */
  public synchronized Optional<PoolEntry> release(String guestKey) {
    conflicts.remove(guestKey);
    PoolEntry entry = holdings.remove(guestKey);
    if (entry == null) {
      return Optional.empty();
    }
    holderByIp.remove(entry.ip());
    holderByMac.remove(entry.mac());
    recomputeBlocked(pool.indexOfIp(entry.ip()));
    recomputeBlocked(pool.indexOfMac(entry.mac()));
    return Optional.of(entry);
  }

  /**
   * Switches to the pool of a changed host spec. Holdings are kept; those no longer in the new pool
   * become orphans.
   */
  public synchronized void replacePool(AddressPool newPool) {
    pool = newPool;
    blocked = new BitSet(newPool.size());
    holdings.values().forEach(this::block);
  }

  /** The guest holding this IP (any spelling). */
  public synchronized Optional<String> holder(String ip) {
    return Optional.ofNullable(holderByIp.get(AddressSyntax.canonicalIp(ip)));
  }

  /** What the guest holds. */
  public synchronized Optional<PoolEntry> holding(String guestKey) {
    return Optional.ofNullable(holdings.get(guestKey));
  }

  /** A copy of all holdings, in the order they were taken. */
  public synchronized Map<String, PoolEntry> holdings() {
    return new LinkedHashMap<>(holdings);
  }

  /** Holdings that are not an entry of the current pool, by guest key. */
  public synchronized Map<String, PoolEntry> orphans() {
    Map<String, PoolEntry> out = new LinkedHashMap<>();
    holdings.forEach(
        (guest, entry) -> {
          if (!pool.contains(entry)) {
            out.put(guest, entry);
          }
        });
    return out;
  }

  /**
   * Recorded holdings refused at construction because an earlier guest holds the same IP or MAC.
   * Such a guest holds nothing here; it leaves this list when it is allocated or released.
   */
  public synchronized Map<String, PoolEntry> conflicts() {
    return new LinkedHashMap<>(conflicts);
  }

  public synchronized int total() {
    return pool.size();
  }

  /** Pool entries that cannot be handed out because their IP or MAC is held. */
  public synchronized int allocated() {
    return blocked.cardinality();
  }

  public synchronized int free() {
    return pool.size() - blocked.cardinality();
  }

  private void hold(String guestKey, PoolEntry entry) {
    holdings.put(guestKey, entry);
    holderByIp.put(entry.ip(), guestKey);
    holderByMac.put(entry.mac(), guestKey);
    block(entry);
  }

  private void block(PoolEntry entry) {
    int byIp = pool.indexOfIp(entry.ip());
    int byMac = pool.indexOfMac(entry.mac());
    if (byIp >= 0) {
      blocked.set(byIp);
    }
    if (byMac >= 0) {
      blocked.set(byMac);
    }
  }

  private void recomputeBlocked(int index) {
    if (index < 0) {
      return;
    }
    PoolEntry e = pool.get(index);
    blocked.set(index, holderByIp.containsKey(e.ip()) || holderByMac.containsKey(e.mac()));
  }
}
