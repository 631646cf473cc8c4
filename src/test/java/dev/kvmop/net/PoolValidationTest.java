package dev.kvmop.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvmop.api.AddressEntry;
import dev.kvmop.api.AddressRange;
import dev.kvmop.api.KvmHostSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class PoolValidationTest {
  static KvmHostSpec spec(List<AddressEntry> addresses, List<AddressRange> ranges) {
    KvmHostSpec spec = new KvmHostSpec();
    spec.addresses.addAll(addresses);
    spec.addressRanges.addAll(ranges);
    return spec;
  }

  static AddressRange range(String first, String last, String prefix) {
    AddressRange r = new AddressRange();
    r.first = first;
    r.last = last;
    r.macPrefix = prefix;
    return r;
  }

  @Test
  void validPoolHasNoErrors() {
    KvmHostSpec spec =
        spec(
            List.of(
                new AddressEntry("52:54:00:00:00:10", "10.0.0.10"),
                new AddressEntry("52:54:00:00:01:01", "fe80::10"),
                new AddressEntry("52:54:00:00:01:02", "guest-1.lab.example")),
            List.of(range("10.0.0.20", "10.0.0.29", null), range("10.0.1.0", "10.0.1.9", "02")));
    assertThat(PoolValidation.validate(spec)).isEmpty();
  }

  @Test
  void emptyPoolIsValid() {
    assertThat(PoolValidation.validate(new KvmHostSpec())).isEmpty();
  }

  @Test
  void entryErrorsNameTheField() {
    KvmHostSpec spec =
        spec(
            List.of(
                new AddressEntry("52:54:00:00:00:10", "10.0.0.10"),
                new AddressEntry("52:54:00:00:00:11", "10.0.0.11"),
                new AddressEntry("zz", "10.0.0.12"),
                new AddressEntry("52:54:00:00:00:13", "10.0.0.10"),
                new AddressEntry("52:54:00:00:00:10", "10.0.0.14"),
                new AddressEntry("52:54:00:00:00:15", "10.0.0.256"),
                new AddressEntry(null, ""),
                new AddressEntry("52:54:00:00:00:17", "FE80::1"),
                new AddressEntry("52:54:00:00:00:18", "fe80:0::1")),
            List.of());
    assertThat(PoolValidation.validate(spec))
        .containsExactly(
            "spec.addresses[2].mac: invalid MAC \"zz\"",
            "spec.addresses[3].ip: duplicate of spec.addresses[0].ip",
            "spec.addresses[4].mac: duplicate of spec.addresses[0].mac",
            "spec.addresses[5].ip: invalid IP address or hostname \"10.0.0.256\"",
            "spec.addresses[6].mac: required",
            "spec.addresses[6].ip: required",
            "spec.addresses[8].ip: duplicate of spec.addresses[7].ip");
  }

  @Test
  void macsCompareCaseInsensitively() {
    KvmHostSpec spec =
        spec(
            List.of(
                new AddressEntry("52:54:00:00:00:AA", "10.0.0.1"),
                new AddressEntry("52:54:00:00:00:aa", "10.0.0.2")),
            List.of());
    assertThat(PoolValidation.validate(spec))
        .containsExactly("spec.addresses[1].mac: duplicate of spec.addresses[0].mac");
  }

  @Test
  void rangeErrors() {
    KvmHostSpec spec =
        spec(
            List.of(new AddressEntry("52:54:00:00:00:99", "10.0.0.20")),
            List.of(
                range("10.0.0.9", "10.0.0.1", null),
                range("10.0.0.15", "10.0.0.25", null),
                range("fe80::1", "host", null),
                range("10.0.0.1", "10.0.0.2", "zz"),
                range("10.1.0.0", "10.2.0.0", null),
                range(null, "10.0.0.1", null),
                range("10.0.0.24", "10.0.0.30", null)));
    assertThat(PoolValidation.validate(spec))
        .containsExactly(
            "spec.addressRanges[0]: first 10.0.0.9 is after last 10.0.0.1",
            "spec.addressRanges[1]: overlaps spec.addresses[0] (10.0.0.20)",
            "spec.addressRanges[2].first: must be an IPv4 address, got \"fe80::1\"",
            "spec.addressRanges[2].last: must be an IPv4 address, got \"host\"",
            "spec.addressRanges[3].macPrefix: invalid MAC prefix \"zz\" (1 to 5 octets, e.g."
                + " 52:54:00)",
            "spec.addressRanges[4]: 65537 addresses, at most 65536 allowed",
            "spec.addressRanges[5].first: required",
            "spec.addressRanges[6]: overlaps spec.addressRanges[1] (10.0.0.24)");
  }

  @Test
  void derivedMacClashesAreReported() {
    KvmHostSpec spec =
        spec(
            // 10.0.0.5 derives 52:54:00:00:00:05 with the default prefix.
            List.of(new AddressEntry("52:54:00:00:00:05", "10.9.9.9")),
            // A five-octet prefix leaves one byte: 10.5.0.0 and 10.5.1.0 both give ...:00.
            List.of(
                range("10.0.0.1", "10.0.0.9", null),
                range("10.5.0.0", "10.5.1.0", "02:00:00:00:00")));
    assertThat(PoolValidation.validate(spec))
        .containsExactly(
            "spec.addressRanges[0]: MAC 52:54:00:00:00:05 of 10.0.0.5 duplicates a MAC of"
                + " spec.addresses[0]",
            "spec.addressRanges[1]: MAC 02:00:00:00:00:00 of 10.5.1.0 duplicates a MAC of"
                + " spec.addressRanges[1]");
  }

  @Test
  void controlCharactersAreEscapedInMessages() {
    KvmHostSpec spec = spec(List.of(new AddressEntry("52:54:00:00:00:01", "a\nb")), List.of());
    assertThat(PoolValidation.validate(spec))
        .containsExactly("spec.addresses[0].ip: invalid IP address or hostname \"a\\x0ab\"");
  }

  @Test
  void poolExpandsAddressesThenRanges() {
    KvmHostSpec spec =
        spec(
            List.of(new AddressEntry("52:54:00:00:00:AA", "Node.Example")),
            List.of(
                range("10.0.0.254", "10.0.1.1", null),
                range("192.168.1.2", "192.168.1.2", "02"),
                range("10.0.0.1", "10.0.0.1", "02:11:22:33:44")));
    AddressPool pool = AddressPool.from(spec);
    assertThat(pool.entries())
        .containsExactly(
            new PoolEntry("52:54:00:00:00:aa", "node.example"),
            new PoolEntry("52:54:00:00:00:fe", "10.0.0.254"),
            new PoolEntry("52:54:00:00:00:ff", "10.0.0.255"),
            new PoolEntry("52:54:00:00:01:00", "10.0.1.0"),
            new PoolEntry("52:54:00:00:01:01", "10.0.1.1"),
            new PoolEntry("02:00:c0:a8:01:02", "192.168.1.2"),
            new PoolEntry("02:11:22:33:44:01", "10.0.0.1"));
    assertThat(pool.indexOfIp("NODE.example")).isZero();
    assertThat(pool.indexOfMac("52:54:00:00:00:FF")).isEqualTo(2);
  }

  @Test
  void fullSizeRangeExpands() {
    AddressPool pool =
        AddressPool.from(spec(List.of(), List.of(range("10.1.0.0", "10.1.255.255", null))));
    assertThat(pool.size()).isEqualTo(65536);
    assertThat(pool.get(65535)).isEqualTo(new PoolEntry("52:54:00:01:ff:ff", "10.1.255.255"));
  }

  @Test
  void invalidSpecIsRefusedByThePool() {
    KvmHostSpec spec = spec(List.of(new AddressEntry("zz", "10.0.0.1")), List.of());
    assertThatThrownBy(() -> AddressPool.from(spec))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("spec.addresses[0].mac");
  }
}
