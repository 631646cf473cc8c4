package dev.kvmop.net;

import dev.kvmop.api.AddressEntry;
import dev.kvmop.api.AddressRange;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.api.SpecText;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks {@code spec.addresses} and {@code spec.addressRanges}; every error names the field path.
 * The CRD schema has the coarse patterns, but not every API server enforces them, and no schema can
 * see duplicates or overlaps.
 */
public final class PoolValidation {
  private PoolValidation() {}

  /** Errors, empty when the pool is valid. */
  public static List<String> validate(KvmHostSpec spec) {
    return new Run().check(spec);
  }

  /** One validation pass; remembers which field first claimed each IP and MAC. */
  private static final class Run {
    private final List<String> errors = new ArrayList<>();
    private final Map<String, String> ipOwner = new HashMap<>();
    private final Map<String, String> macOwner = new HashMap<>();

    List<String> check(KvmHostSpec spec) {
      if (spec == null) {
        return List.of("spec: required");
      }
      // A range over MAX_RANGE_SIZE is refused on its own below and not counted here.
      long size =
          (spec.addresses == null ? 0 : spec.addresses.size())
              + (spec.addressRanges == null ? List.<AddressRange>of() : spec.addressRanges)
                  .stream()
                      .mapToLong(AddressPool::size)
                      .filter(n -> n <= AddressPool.MAX_RANGE_SIZE)
                      .sum();
      if (size > AddressPool.MAX_POOL_SIZE) {
        // Refused before anything is expanded: the count is arithmetic.
        return List.of(
            "spec.addresses and spec.addressRanges: "
                + size
                + " addresses in all, at most "
                + AddressPool.MAX_POOL_SIZE
                + " allowed in one host's pool");
      }
      List<AddressEntry> addresses = spec.addresses == null ? List.of() : spec.addresses;
      for (int i = 0; i < addresses.size(); i++) {
        checkEntry("spec.addresses[" + i + "]", addresses.get(i));
      }
      List<AddressRange> ranges = spec.addressRanges == null ? List.of() : spec.addressRanges;
      for (int i = 0; i < ranges.size(); i++) {
        checkRange("spec.addressRanges[" + i + "]", ranges.get(i));
      }
      return errors;
    }

    private void checkEntry(String path, AddressEntry entry) {
      if (entry == null) {
        errors.add(path + ": required");
        return;
      }
      if (entry.mac == null || entry.mac.isEmpty()) {
        errors.add(path + ".mac: required");
      } else if (!AddressSyntax.isMac(entry.mac)) {
        errors.add(path + ".mac: invalid MAC " + SpecText.quoted(entry.mac));
      } else {
        String previous = macOwner.putIfAbsent(AddressSyntax.normalizeMac(entry.mac), path);
        if (previous != null) {
          errors.add(path + ".mac: duplicate of " + previous + ".mac");
        }
      }
      if (entry.ip == null || entry.ip.isEmpty()) {
        errors.add(path + ".ip: required");
      } else if (!AddressSyntax.isHostOrIp(entry.ip)) {
        errors.add(path + ".ip: invalid IP address or hostname " + SpecText.quoted(entry.ip));
      } else {
        String previous = ipOwner.putIfAbsent(AddressSyntax.canonicalIp(entry.ip), path);
        if (previous != null) {
          errors.add(path + ".ip: duplicate of " + previous + ".ip");
        }
      }
    }

    private void checkRange(String path, AddressRange range) {
      if (range == null) {
        errors.add(path + ": required");
        return;
      }
      boolean ok = checkIpv4(path + ".first", range.first);
      ok &= checkIpv4(path + ".last", range.last);
      if (range.macPrefix != null
          && !range.macPrefix.isEmpty()
          && !AddressSyntax.isMacPrefix(range.macPrefix)) {
        errors.add(
            path
                + ".macPrefix: invalid MAC prefix "
                + SpecText.quoted(range.macPrefix)
                + " (1 to 5 octets, e.g. 52:54:00)");
        ok = false;
      }
      if (!ok) {
        return;
      }
      long first = AddressSyntax.Ipv4.parse(range.first);
      long last = AddressSyntax.Ipv4.parse(range.last);
      if (first > last) {
        errors.add(path + ": first " + range.first + " is after last " + range.last);
        return;
      }
      long size = last - first + 1;
      if (size > AddressPool.MAX_RANGE_SIZE) {
        errors.add(
            path + ": " + size + " addresses, at most " + AddressPool.MAX_RANGE_SIZE + " allowed");
        return;
      }
      checkOverlaps(path, range);
    }

    /** One error per other field this range collides with, naming the first colliding address. */
    private void checkOverlaps(String path, AddressRange range) {
      Map<String, String> ipClashes = new LinkedHashMap<>();
      Map<String, String> macClashes = new LinkedHashMap<>();
      for (PoolEntry e : AddressPool.expand(range)) {
        String ipLabel = path + " (" + e.ip() + ")";
        String ipPrevious = ipOwner.putIfAbsent(e.ip(), ipLabel);
        if (ipPrevious != null) {
          ipClashes.putIfAbsent(field(ipPrevious), e.ip());
        }
        String macPrevious = macOwner.putIfAbsent(e.mac(), ipLabel);
        // An overlapping range derives the same MACs; one error for the overlap is enough.
        boolean sameClash =
            ipPrevious != null
                && macPrevious != null
                && field(ipPrevious).equals(field(macPrevious));
        if (macPrevious != null && !sameClash) {
          macClashes.putIfAbsent(field(macPrevious), "MAC " + e.mac() + " of " + e.ip());
        }
      }
      ipClashes.forEach((owner, ip) -> errors.add(path + ": overlaps " + owner + " (" + ip + ")"));
      macClashes.forEach(
          (owner, what) -> errors.add(path + ": " + what + " duplicates a MAC of " + owner));
    }

    /** "spec.addressRanges[0] (10.0.0.7)" -> "spec.addressRanges[0]". */
    private static String field(String label) {
      int space = label.indexOf(' ');
      return space < 0 ? label : label.substring(0, space);
    }

    private boolean checkIpv4(String path, String value) {
      if (value == null || value.isEmpty()) {
        errors.add(path + ": required");
        return false;
      }
      if (!AddressSyntax.isIpv4(value)) {
        errors.add(path + ": must be an IPv4 address, got " + SpecText.quoted(value));
        return false;
      }
      return true;
    }
  }
}
