package dev.kvmop.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Many threads allocate and release at random against a small pool. Each thread owns its guests and
 * records what it was handed in a shared claim table keyed by IP and by MAC; a second claim on an
 * IP or MAC that is still claimed is a double allocation.
 */
class AddressAllocatorConcurrencyTest {
  static final int POOL = 8;
  static final int THREADS = 8;
  static final int GUESTS_PER_THREAD = 4;
  static final int STEPS = 20_000;

  @Test
  void neverHandsOneIpOrMacToTwoGuests() throws Exception {
    List<PoolEntry> entries = new ArrayList<>();
    for (int i = 0; i < POOL; i++) {
      entries.add(new PoolEntry(String.format("52:54:00:00:00:%02x", i), "10.0.0." + i));
    }
    AddressAllocator alloc = new AddressAllocator(AddressPool.of(entries));
    Map<String, String> ipClaims = new ConcurrentHashMap<>();
    Map<String, String> macClaims = new ConcurrentHashMap<>();
    AtomicReference<String> violation = new AtomicReference<>();
    AtomicInteger assigned = new AtomicInteger();
    AtomicInteger exhausted = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    for (int t = 0; t < THREADS; t++) {
      int thread = t;
      pool.submit(
          () -> {
            start.await();
            ThreadLocalRandom random = ThreadLocalRandom.current();
            Map<String, PoolEntry> mine = new java.util.HashMap<>();
            for (int step = 0; step < STEPS && violation.get() == null; step++) {
              String guest = "t" + thread + "-g" + random.nextInt(GUESTS_PER_THREAD);
              if (random.nextInt(3) > 0) {
                String requested = random.nextInt(4) == 0 ? "10.0.0." + random.nextInt(POOL) : "";
                Allocation result = alloc.allocate(guest, requested);
                if (result instanceof Allocation.Assigned a) {
                  assigned.incrementAndGet();
                  PoolEntry held = mine.get(guest);
                  if (held != null) {
                    if (!held.equals(a.entry())) {
                      violation.set(guest + " moved from " + held + " to " + a.entry());
                    }
                    continue;
                  }
                  claim(ipClaims, a.entry().ip(), guest, violation);
                  claim(macClaims, a.entry().mac(), guest, violation);
                  mine.put(guest, a.entry());
                } else if (result instanceof Allocation.Exhausted) {
                  exhausted.incrementAndGet();
                }
              } else {
                PoolEntry held = mine.remove(guest);
                // Unclaim before releasing: after release another thread may legitimately get it.
                if (held != null) {
                  ipClaims.remove(held.ip(), guest);
                  macClaims.remove(held.mac(), guest);
                }
                alloc.release(guest);
              }
            }
            return null;
          });
    }
    start.countDown();
    pool.shutdown();
    assertThat(pool.awaitTermination(2, TimeUnit.MINUTES)).isTrue();

    assertThat(violation.get()).isNull();
    // The contention actually happened: both outcomes were seen many times.
    assertThat(assigned.get()).isGreaterThan(1000);
    assertThat(exhausted.get()).isGreaterThan(100);
    assertThat(alloc.holdings()).hasSize(ipClaims.size());
    assertThat(alloc.allocated()).isEqualTo(alloc.holdings().size());
    assertThat(alloc.allocated() + alloc.free()).isEqualTo(POOL);
    alloc
        .holdings()
        .forEach(
            (guest, entry) -> {
              assertThat(ipClaims).containsEntry(entry.ip(), guest);
              assertThat(macClaims).containsEntry(entry.mac(), guest);
            });
  }

  private static void claim(
      Map<String, String> claims, String key, String guest, AtomicReference<String> violation) {
    String previous = claims.putIfAbsent(key, guest);
    if (previous != null) {
      violation.compareAndSet(null, key + " handed to " + guest + " while held by " + previous);
    }
  }
}
