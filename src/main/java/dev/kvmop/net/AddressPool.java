package dev.kvmop.net;

import dev.kvmop.api.AddressEntry;
import dev.kvmop.api.AddressRange;
import dev.kvmop.api.KvmHostSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A host's address pool in allocation order: {@code spec.addresses}, then each of {@code
 * spec.addressRanges} expanded. Immutable; no IP and no MAC appears twice.
 */
public final class AddressPool {
  /** Most entries one range may expand to. */
  public static final int MAX_RANGE_SIZE = 65536;

  /**
   * Most entries a whole pool may hold: expanded, 65,536 entries are a few megabytes, so a spec
   * cannot make the operator allocate gigabytes.
   */
  public static final int MAX_POOL_SIZE = 65536;

  static final String DEFAULT_MAC_PREFIX = "52:54:00";

  private final List<PoolEntry> entries;
  private final Map<String, Integer> indexByIp = new HashMap<>();
  private final Map<String, Integer> indexByMac = new HashMap<>();

  private AddressPool(List<PoolEntry> entries) {
    this.entries = List.copyOf(entries);
    for (int i = 0; i < this.entries.size(); i++) {
      PoolEntry e = this.entries.get(i);
      if (indexByIp.putIfAbsent(e.ip(), i) != null) {
        throw new IllegalArgumentException("duplicate IP " + e.ip());
      }
      if (indexByMac.putIfAbsent(e.mac(), i) != null) {
        throw new IllegalArgumentException("duplicate MAC " + e.mac());
      }
    }
  }

  /**
   * The pool of a host spec.
   *
   * @throws IllegalArgumentException with the {@link PoolValidation} errors when the spec's pool is
   *     invalid
   */
  public static AddressPool from(KvmHostSpec spec) {
    List<String> errors = PoolValidation.validate(spec);
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", errors));
    }
    return fromValidated(spec);
  }

  /** The pool of a host spec that {@link PoolValidation} found valid (not checked again). */
  public static AddressPool fromValidated(KvmHostSpec spec) {
    List<PoolEntry> entries = new ArrayList<>();
    if (spec.addresses != null) {
      for (AddressEntry a : spec.addresses) {
        entries.add(new PoolEntry(a.mac, a.ip));
      }
    }
    if (spec.addressRanges != null) {
      for (AddressRange r : spec.addressRanges) {
        entries.addAll(expand(r));
      }
    }
    return new AddressPool(entries);
  }

  /**
   * How many entries the spec's pool has, counted without expanding anything (a range that does not
   * parse, or runs backwards, counts 0).
   */
  public static long count(KvmHostSpec spec) {
    long n = spec.addresses == null ? 0 : spec.addresses.size();
    for (AddressRange r :
        spec.addressRanges == null ? List.<AddressRange>of() : spec.addressRanges) {
      n += size(r);
    }
    return n;
  }

  /** The entries of one range, counted (0 when it does not parse or runs backwards). */
  public static long size(AddressRange r) {
    if (r == null || !AddressSyntax.isIpv4(r.first) || !AddressSyntax.isIpv4(r.last)) {
      return 0;
    }
    return Math.max(0, AddressSyntax.Ipv4.parse(r.last) - AddressSyntax.Ipv4.parse(r.first) + 1);
  }

  /** A pool of the given entries, in this order. */
  public static AddressPool of(List<PoolEntry> entries) {
    return new AddressPool(entries);
  }

  public static AddressPool empty() {
    return new AddressPool(List.of());
  }

  /** Expands a syntactically valid range; {@link PoolValidation} checks it first. */
  static List<PoolEntry> expand(AddressRange range) {
    long first = AddressSyntax.Ipv4.parse(range.first);
    long last = AddressSyntax.Ipv4.parse(range.last);
    if (first < 0 || last < 0 || first > last || last - first + 1 > MAX_RANGE_SIZE) {
      throw new IllegalArgumentException("invalid range " + range.first + "-" + range.last);
    }
    String prefix = macPrefix(range);
    List<PoolEntry> out = new ArrayList<>((int) (last - first + 1));
    for (long ip = first; ip <= last; ip++) {
      out.add(new PoolEntry(derivedMac(prefix, ip), AddressSyntax.Ipv4.format(ip)));
    }
    return out;
  }

  static String macPrefix(AddressRange range) {
    return range.macPrefix == null || range.macPrefix.isEmpty()
        ? DEFAULT_MAC_PREFIX
        : range.macPrefix;
  }

  /**
   * The prefix followed by the low bytes of the IPv4 address, as many as fill six octets. A
   * one-octet prefix needs five bytes: the IP is then zero-extended.
   */
  static String derivedMac(String prefix, long ipv4) {
    int prefixOctets = (prefix.length() + 1) / 3;
    StringBuilder mac = new StringBuilder(prefix);
    for (int i = 6 - prefixOctets - 1; i >= 0; i--) {
      mac.append(':').append(String.format("%02x", (ipv4 >> (8 * i)) & 0xff));
    }
    return AddressSyntax.normalizeMac(mac.toString());
  }

  public List<PoolEntry> entries() {
    return entries;
  }

  public int size() {
    return entries.size();
  }

  public PoolEntry get(int index) {
    return entries.get(index);
  }

  /** Position of the entry with this IP (any spelling), or -1. */
  public int indexOfIp(String ip) {
    return ip == null ? -1 : indexByIp.getOrDefault(AddressSyntax.canonicalIp(ip), -1);
  }

  /** Position of the entry with this MAC (any case), or -1. */
  public int indexOfMac(String mac) {
    return mac == null ? -1 : indexByMac.getOrDefault(AddressSyntax.normalizeMac(mac), -1);
  }

  public Optional<PoolEntry> byIp(String ip) {
    int i = indexOfIp(ip);
    return i < 0 ? Optional.empty() : Optional.of(entries.get(i));
  }

  public boolean contains(PoolEntry entry) {
    int i = indexOfIp(entry.ip());
    return i >= 0 && entries.get(i).equals(entry);
  }
}
