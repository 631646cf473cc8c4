package dev.kvmop.controller.guest.lifecycle;

import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.net.AddressAllocator;
import dev.kvmop.net.AddressPool;
import dev.kvmop.net.PoolEntry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * One allocator per host. Built on first use from the addresses the KvmGuests' status already
 * records (so an operator restart forgets nothing), and given the new pool when the host's
 * addresses change. The allocator itself serializes allocation.
 */
final class AddressBook {
  private record Book(AddressAllocator allocator, int poolHash) {}

  private final Map<String, Book> books = new ConcurrentHashMap<>();

  AddressAllocator forHost(
      String hostId, KvmHostSpec spec, Supplier<Map<String, PoolEntry>> recordedHolders) {
    AddressPool pool = AddressPool.from(spec);
    int poolHash = pool.entries().hashCode();
    Book book =
        books.compute(
            hostId,
            (id, existing) -> {
              if (existing == null) {
                return new Book(new AddressAllocator(pool, recordedHolders.get()), poolHash);
              }
              if (existing.poolHash != poolHash) {
                existing.allocator.replacePool(pool);
                return new Book(existing.allocator, poolHash);
              }
              return existing;
            });
    return book.allocator;
  }

  /** Releases a guest's address on a host whose allocator exists; a no-op otherwise. */
  void release(String hostId, String guestKey) {
    Book book = books.get(hostId);
    if (book != null) {
      book.allocator.release(guestKey);
    }
  }
}
