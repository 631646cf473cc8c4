package dev.kvmop.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.api.AddressEntry;
import dev.kvmop.api.AddressRange;
import dev.kvmop.api.KvmHost;
import dev.kvmop.controller.host.HostSpecValidation;
import dev.kvmop.net.AddressPool;
import dev.kvmop.testing.TestObjects;
import org.junit.jupiter.api.Test;

/**
 * A host's pool is capped at 65,536 addresses, counted without expanding it, and expanded once per
 * spec generation however often the host is reconciled and placed on.
 */
class HostPoolsTest {
  static final String ID = "test/node-a";

  @Test
  void aPoolOfTwoToTheTwentyIsRefusedNamingTheFieldsAndTheLimit() {
    KvmHost h = TestObjects.host("node-a").in("test").build();
    for (int i = 0; i < 16; i++) {
      AddressRange r = new AddressRange();
      r.first = "10." + (16 + i) + ".0.0";
      r.last = "10." + (16 + i) + ".255.255";
      h.getSpec().addressRanges.add(r);
    }
    assertThat(AddressPool.count(h.getSpec())).isEqualTo(1 << 20);
    assertThat(HostSpecValidation.validate(h.getSpec()))
        .contains(
            "spec.addresses and spec.addressRanges: 1048576 addresses in all, at most 65536"
                + " allowed in one host's pool");
    HostPools pools = new HostPools();
    assertThat(pools.validate(h)).hasSize(1);
    assertThat(pools.pool(ID)).isEmpty();
  }

  @Test
  void thePoolIsExpandedOncePerGeneration() {
    HostPools pools = new HostPools();
    KvmHost h = host("uid-1", 1L, 3);
    for (int i = 0; i < 5; i++) {
      assertThat(pools.validate(host("uid-1", 1L, 3))).isEmpty();
    }
    assertThat(pools.expansions()).isEqualTo(1);
    AddressPool first = pools.pool(ID).orElseThrow();
    assertThat(first.size()).isEqualTo(3);
    assertThat(pools.pool(ID)).containsSame(first);

    pools.validate(host("uid-1", 2L, 4));
    pools.validate(host("uid-1", 2L, 4));
    assertThat(pools.expansions()).isEqualTo(2);
    assertThat(pools.pool(ID).orElseThrow().size()).isEqualTo(4);

    // An invalid generation keeps the last valid pool for the guests that hold addresses in it.
    KvmHost invalid = host("uid-1", 3L, 4);
    invalid.getSpec().addresses.add(new AddressEntry("nonsense", "10.0.0.99"));
    assertThat(pools.validate(invalid)).isNotEmpty();
    assertThat(pools.pool(ID).orElseThrow().size()).isEqualTo(4);

    // The same name recreated is another host.
    pools.validate(host("uid-2", 1L, 2));
    assertThat(pools.expansions()).isEqualTo(4);
    assertThat(pools.pool(ID).orElseThrow().size()).isEqualTo(2);

    pools.forget(ID);
    assertThat(pools.pool(ID)).isEmpty();
    assertThat(h.getSpec().addresses).hasSize(3);
  }

  private static KvmHost host(String uid, Long generation, int addresses) {
    KvmHost h = TestObjects.host("node-a").in("test").pool(addresses).build();
    h.getMetadata().setUid(uid);
    h.getMetadata().setGeneration(generation);
    return h;
  }
}
