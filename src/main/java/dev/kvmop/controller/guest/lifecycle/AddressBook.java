package dev.kvmop.controller.guest.lifecycle;

import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.net.AddressAllocator;
import dev.kvmop.net.AddressPool;
import dev.kvmop.net.PoolEntry;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * One allocator per host. Built on first use from the addresses the KvmGuests' status already
 * records (so an operator restart forgets nothing), and given the new pool when the host's
 * addresses change. The allocator itself serializes allocation.
 */
final class AddressBook {
  /**
   * @param spec the host spec the pool was last built from: the same spec object again skips
   *     building it (placement asks for every host's pool at each try)
   */
  private record Book(AddressAllocator allocator, int poolHash, KvmHostSpec spec) {}

  private final Map<String, Book> books = new ConcurrentHashMap<>();

  AddressAllocator forHost(
      String hostId, KvmHostSpec spec, Supplier<Map<String, PoolEntry>> recordedHolders) {
    Book seen = books.get(hostId);
    if (seen != null && seen.spec == spec) {
      return seen.allocator;
    }
    AddressPool pool = AddressPool.from(spec);
    int poolHash = pool.entries().hashCode();
    Book book =
        books.compute(
            hostId,
            (id, existing) -> {
              if (existing == null) {
                return new Book(new AddressAllocator(pool, recordedHolders.get()), poolHash, spec);
              }
              if (existing.poolHash != poolHash) {
                existing.allocator.replacePool(pool);
              }
              return new Book(existing.allocator, poolHash, spec);
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
}
