package dev.kvmop.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.api.AddressEntry;
import dev.kvmop.api.AddressRange;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.controller.host.HostSpecValidation;
import dev.kvmop.testing.TestObjects;
import org.junit.jupiter.api.Test;

/**
 * A host's pool holds at most 65,536 addresses (spec.addresses and spec.addressRanges together): a
 * pool of 2^20 is refused with one error naming the fields and the limit, before anything is
 * expanded.
 */
class PoolCapTest {
  static final String REFUSED_2_20 =
      "spec.addresses and spec.addressRanges: 1048576 addresses in all, at most 65536 allowed in"
          + " one host's pool";

  @Test
  void aPoolOfTwoToTheTwentyIsRefusedNamingTheFieldsAndTheLimit() {
    KvmHostSpec spec = TestObjects.host("node-a").build().getSpec();
    for (int i = 0; i < 16; i++) {
      spec.addressRanges.add(range("10." + (16 + i) + ".0.0", "10." + (16 + i) + ".255.255"));
    }
    long started = System.nanoTime();
    assertThat(PoolValidation.validate(spec)).containsExactly(REFUSED_2_20);
    assertThat(HostSpecValidation.validate(spec)).contains(REFUSED_2_20);
    // Counted, not expanded: well under the seconds that expanding 2^20 entries twice takes here.
    assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(500);
  }

  @Test
  void listedAddressesCountTowardsTheCap() {
    KvmHostSpec spec = TestObjects.host("node-a").build().getSpec();
    spec.addressRanges.add(range("10.16.0.0", "10.16.255.255"));
    assertThat(PoolValidation.validate(spec)).isEmpty();
    spec.addresses.add(new AddressEntry("52:54:01:00:00:01", "10.99.0.1"));
    assertThat(PoolValidation.validate(spec))
        .containsExactly(
            "spec.addresses and spec.addressRanges: 65537 addresses in all, at most 65536 allowed"
                + " in one host's pool");
  }

  private static AddressRange range(String first, String last) {
    AddressRange r = new AddressRange();
    r.first = first;
    r.last = last;
    return r;
  }
}
