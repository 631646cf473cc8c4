package dev.kvmop.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AddressAllocatorTest {
  static final PoolEntry A = new PoolEntry("52:54:00:00:00:01", "10.0.0.1");
  static final PoolEntry B = new PoolEntry("52:54:00:00:00:02", "10.0.0.2");
  static final PoolEntry C = new PoolEntry("52:54:00:00:00:03", "10.0.0.3");

  static AddressPool pool(PoolEntry... entries) {
    return AddressPool.of(List.of(entries));
  }

  @Test
  void firstFreeInPoolOrderAndIdempotent() {
    AddressAllocator alloc = new AddressAllocator(pool(A, B, C));
    assertThat(alloc.allocate("ns/g1", null)).isEqualTo(new Allocation.Assigned(A));
    assertThat(alloc.allocate("ns/g2", "")).isEqualTo(new Allocation.Assigned(B));
    assertThat(alloc.allocate("ns/g1", null)).isEqualTo(new Allocation.Assigned(A));
    assertThat(alloc.allocate("ns/g1", "10.0.0.3")).isEqualTo(new Allocation.Assigned(A));
    assertThat(alloc.total()).isEqualTo(3);
    assertThat(alloc.allocated()).isEqualTo(2);
    assertThat(alloc.free()).isEqualTo(1);
    assertThat(alloc.holder("10.0.0.2")).contains("ns/g2");
    assertThat(alloc.holding("ns/g1")).contains(A);
  }

  @Test
  void exhaustedThenFreedAddressIsReused() {
    AddressAllocator alloc = new AddressAllocator(pool(A, B));
    alloc.allocate("g1", null);
    alloc.allocate("g2", null);
    assertThat(alloc.allocate("g3", null)).isEqualTo(new Allocation.Exhausted());
    assertThat(alloc.release("g1")).contains(A);
    assertThat(alloc.release("g1")).isEmpty();
    assertThat(alloc.allocate("g3", null)).isEqualTo(new Allocation.Assigned(A));
    assertThat(alloc.holder("10.0.0.1")).contains("g3");
  }

  @Test
  void requestedAddress() {
    AddressAllocator alloc = new AddressAllocator(pool(A, B, C));
    assertThat(alloc.allocate("g1", "10.0.0.2")).isEqualTo(new Allocation.Assigned(B));
    assertThat(alloc.allocate("g2", "10.0.0.2"))
        .isEqualTo(new Allocation.RequestedTaken("10.0.0.2", "g1"));
    assertThat(alloc.allocate("g2", "10.0.0.9"))
        .isEqualTo(new Allocation.RequestedNotInPool("10.0.0.9"));
    assertThat(alloc.allocate("g2", null)).isEqualTo(new Allocation.Assigned(A));
  }

  @Test
  void requestedIpv6MatchesAnySpelling() {
    PoolEntry v6 = new PoolEntry("52:54:00:00:00:06", "2001:db8::6");
    AddressAllocator alloc = new AddressAllocator(pool(A, v6));
    assertThat(alloc.allocate("g1", "2001:DB8:0:0::6")).isEqualTo(new Allocation.Assigned(v6));
    assertThat(alloc.holder("2001:db8:0::6")).contains("g1");
  }

  @Test
  void rebuildFromHoldersKeepsTheirAddresses() {
    Map<String, PoolEntry> holders = new LinkedHashMap<>();
    holders.put("g2", new PoolEntry("52:54:00:00:00:02", "10.0.0.2"));
    AddressAllocator alloc = new AddressAllocator(pool(A, B, C), holders);
    assertThat(alloc.allocate("g2", null)).isEqualTo(new Allocation.Assigned(B));
    assertThat(alloc.allocate("g1", null)).isEqualTo(new Allocation.Assigned(A));
    assertThat(alloc.allocate("g3", null)).isEqualTo(new Allocation.Assigned(C));
    assertThat(alloc.allocate("g4", null)).isEqualTo(new Allocation.Exhausted());
    assertThat(alloc.orphans()).isEmpty();
  }

  @Test
  void holdingsOutsideThePoolAreOrphansThatBlockTheirIpAndMac() {
    Map<String, PoolEntry> holders = new LinkedHashMap<>();
    // Same IP as A under another MAC, and same MAC as B under another IP: spec edited since.
    holders.put("old1", new PoolEntry("52:54:00:00:00:99", "10.0.0.1"));
    holders.put("old2", new PoolEntry("52:54:00:00:00:02", "10.0.0.99"));
    holders.put("old3", new PoolEntry("52:54:00:00:00:77", "10.0.0.77"));
    AddressAllocator alloc = new AddressAllocator(pool(A, B, C), holders);
    assertThat(alloc.orphans()).containsOnlyKeys("old1", "old2", "old3");
    assertThat(alloc.allocated()).isEqualTo(2);
    assertThat(alloc.free()).isEqualTo(1);
    assertThat(alloc.allocate("g1", null)).isEqualTo(new Allocation.Assigned(C));
    assertThat(alloc.allocate("g2", null)).isEqualTo(new Allocation.Exhausted());
    assertThat(alloc.allocate("g2", "10.0.0.2"))
        .isEqualTo(new Allocation.RequestedTaken("10.0.0.2", "old2"));
    alloc.release("old1");
    assertThat(alloc.allocate("g2", null)).isEqualTo(new Allocation.Assigned(A));
    assertThat(alloc.orphans()).containsOnlyKeys("old2", "old3");
  }

  @Test
  void conflictingRecordedHoldingsAreReportedNotShared() {
    Map<String, PoolEntry> holders = new LinkedHashMap<>();
    holders.put("first", A);
    holders.put("second", new PoolEntry("52:54:00:00:00:55", "10.0.0.1"));
    AddressAllocator alloc = new AddressAllocator(pool(A, B), holders);
    assertThat(alloc.holder("10.0.0.1")).contains("first");
    assertThat(alloc.conflicts()).containsOnlyKeys("second");
    assertThat(alloc.allocate("second", null)).isEqualTo(new Allocation.Assigned(B));
    assertThat(alloc.conflicts()).isEmpty();
  }

  @Test
  void replacePoolKeepsHoldings() {
    AddressAllocator alloc = new AddressAllocator(pool(A, B));
    alloc.allocate("g1", null);
    alloc.allocate("g2", null);
    alloc.replacePool(pool(B, C));
    assertThat(alloc.holding("g1")).contains(A);
    assertThat(alloc.orphans()).containsOnlyKeys("g1");
    assertThat(alloc.total()).isEqualTo(2);
    assertThat(alloc.allocated()).isEqualTo(1);
    assertThat(alloc.allocate("g3", null)).isEqualTo(new Allocation.Assigned(C));
    alloc.release("g1");
    assertThat(alloc.orphans()).isEmpty();
    assertThat(alloc.free()).isZero();
  }

  @Test
  void emptyPoolIsExhausted() {
    AddressAllocator alloc = new AddressAllocator(AddressPool.empty());
    assertThat(alloc.allocate("g", null)).isEqualTo(new Allocation.Exhausted());
    assertThat(alloc.free()).isZero();
  }

  @Test
  void countsStayConsistentOverRandomOperations() {
    List<PoolEntry> entries = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      entries.add(new PoolEntry(String.format("52:54:00:00:00:%02x", i), "10.0.0." + i));
    }
    AddressAllocator alloc = new AddressAllocator(AddressPool.of(entries));
    java.util.Random random = new java.util.Random(42);
    for (int step = 0; step < 5000; step++) {
      String guest = "g" + random.nextInt(30);
      if (random.nextBoolean()) {
        String requested = random.nextInt(4) == 0 ? "10.0.0." + random.nextInt(25) : null;
        alloc.allocate(guest, requested);
      } else {
        alloc.release(guest);
      }
      assertThat(alloc.allocated()).isEqualTo(alloc.holdings().size());
      assertThat(alloc.allocated() + alloc.free()).isEqualTo(20);
    }
  }
}
