package dev.kvmop.controller.guest.lifecycle;

import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.controller.HostPools;
import dev.kvmop.net.AddressAllocator;
import dev.kvmop.net.AddressPool;
import dev.kvmop.net.PoolEntry;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * One allocator per host. Built on first use from the addresses the KvmGuests' status already
 * records (so an operator restart forgets nothing), and given the new pool when the host's
 * addresses change. The pool is the one the host controller validated ({@link HostPools}, expanded
 * once per spec generation); without one (a host not validated by this process) it is expanded from
 * the spec the directory holds. The allocator itself serializes allocation.
 */
final class AddressBook {
  /**
   * @param pool the pool the allocator has
   * @param spec the host spec a pool of no {@link HostPools} entry was built from: the same spec
   *     object again skips building it
   */
  private record Book(AddressAllocator allocator, AddressPool pool, KvmHostSpec spec) {}

  private final Map<String, Book> books = new ConcurrentHashMap<>();
  private final HostPools pools;

  AddressBook(HostPools pools) {
    this.pools = pools;
  }

  AddressAllocator forHost(
      String hostId, KvmHostSpec spec, Supplier<Map<String, PoolEntry>> recordedHolders) {
    AddressPool validated = pools.pool(hostId).orElse(null);
    Book seen = books.get(hostId);
    if (seen != null && (validated == null ? seen.spec == spec : seen.pool == validated)) {
      return seen.allocator;
    }
    AddressPool pool = validated != null ? validated : AddressPool.from(spec);
    Book book =
        books.compute(
            hostId,
            (id, existing) -> {
              if (existing == null) {
                return new Book(new AddressAllocator(pool, recordedHolders.get()), pool, spec);
              }
              if (!existing.pool.entries().equals(pool.entries())) {
                existing.allocator.replacePool(pool);
              }
              return new Book(existing.allocator, pool, spec);
            });
    return book.allocator;
  }

  /** The allocator of a host, if one was built. */
  Optional<AddressAllocator> existing(String hostId) {
    return Optional.ofNullable(books.get(hostId)).map(Book::allocator);
  }

  /** Releases a guest's address on a host whose allocator exists; a no-op otherwise. */
  void release(String hostId, String guestKey) {
    Book book = books.get(hostId);
    if (book != null) {
      book.allocator.release(guestKey);
    }
  }

  /**
   * Releases what guests that are no longer in the cache hold on the namespace's hosts. A guest
   * leaves the cache only after its cleanup (or when its finalizer was removed by hand), so its
   * address is free; an allocator built from a cache that still showed a guest already released
   * would otherwise keep its address until the operator restarts.
   */
  void forgetAbsent(String namespace, Collection<String> presentUids) {
    Set<String> present = new HashSet<>(presentUids);
    String prefix = namespace + "/";
    books.forEach(
        (hostId, book) -> {
          if (hostId.startsWith(prefix)) {
            book.allocator.holdings().keySet().stream()
                .filter(uid -> !present.contains(uid))
                .forEach(book.allocator::release);
          }
        });
  }

  /** Forgets the allocator of a host that is gone (its guests are gone before it). */
  void forgetHost(String hostId) {
    books.remove(hostId);
  }

  /** Guests holding an address on any host, for tests. */
  int holdings() {
    return books.values().stream().mapToInt(b -> b.allocator.holdings().size()).sum();
  }
}
