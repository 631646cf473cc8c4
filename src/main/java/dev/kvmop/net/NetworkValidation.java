package dev.kvmop.net;

import dev.kvmop.api.AddressEntry;
import dev.kvmop.api.AddressRange;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.api.SpecText;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks {@code spec.network} and how the pool fits it; every error names the field. What the
 * bridge and dnsmasq are handed must make sense before anything is created on the host: a gateway
 * that is a CIDR and no pool address, and with dhcp a pool inside the gateway's network.
 */
public final class NetworkValidation {
  /** The kernel's limit for interface names (IFNAMSIZ less the terminating NUL). */
  public static final int MAX_BRIDGE_NAME = 15;

  private NetworkValidation() {}

  /** Errors, empty when the network part of the spec is valid (a missing network is not here). */
  public static List<String> validate(KvmHostSpec spec) {
    List<String> errors = new ArrayList<>();
    KvmHostSpec.Network net = spec == null ? null : spec.network;
    if (net == null) {
      return errors;
    }
    bridge(net.bridge, errors);
    Ipv4Cidr gateway = gateway(net, errors);
    nameservers(net, errors);
    if (gateway != null) {
      pool(spec, gateway, Boolean.TRUE.equals(net.dhcp), errors);
    }
    return errors;
  }

  private static void bridge(String bridge, List<String> errors) {
    String field = "spec.network.bridge: ";
    if (bridge == null || bridge.isEmpty()) {
      errors.add(field + "required");
    } else if (bridge.length() > MAX_BRIDGE_NAME) {
      errors.add(
          field
              + SpecText.quoted(bridge)
              + " is longer than "
              + MAX_BRIDGE_NAME
              + " characters, the kernel's limit for interface names");
    } else if (!bridge.matches("[A-Za-z0-9._-]+") || bridge.equals(".") || bridge.equals("..")) {
      errors.add(
          field
              + SpecText.quoted(bridge)
              + " is not an interface name (letters, digits, '.', '_' and '-'; not . or ..)");
    }
  }

  /** The gateway, or null when there is none or it is invalid (then an error says why). */
  private static Ipv4Cidr gateway(KvmHostSpec.Network net, List<String> errors) {
    boolean dhcp = Boolean.TRUE.equals(net.dhcp);
    if (net.gateway == null || net.gateway.isEmpty()) {
      if (dhcp) {
        errors.add("spec.network.gateway: required when spec.network.dhcp is true");
      }
      return null;
    }
    Ipv4Cidr cidr = Ipv4Cidr.parse(net.gateway);
    if (cidr == null) {
      errors.add(
          "spec.network.gateway: "
              + SpecText.quoted(net.gateway)
              + " is not an IPv4 address with a prefix of 1 to 30 bits, such as 10.0.0.1/24");
      return null;
    }
    if (!cidr.isHostAddress(cidr.address())) {
      errors.add(
          "spec.network.gateway: "
              + cidr
              + " is the "
              + (cidr.address() == cidr.network() ? "network's own" : "broadcast")
              + " address of "
              + cidr.networkText()
              + "; give the bridge a host address such as "
              + new Ipv4Cidr(cidr.network() + 1, cidr.prefix()));
      return null;
    }
    return cidr;
  }

  private static void nameservers(KvmHostSpec.Network net, List<String> errors) {
    List<String> servers = net.nameservers == null ? List.of() : net.nameservers;
    for (int i = 0; i < servers.size(); i++) {
      String s = servers.get(i);
      String field = "spec.network.nameservers[" + i + "]: ";
      if (!AddressSyntax.isIpv4(s) && !AddressSyntax.isIpv6(s)) {
        errors.add(field + SpecText.quoted(s) + " is not an IP address");
      } else if (Boolean.TRUE.equals(net.dhcp) && !AddressSyntax.isIpv4(s)) {
        errors.add(
            field + s + " is IPv6; DHCP (spec.network.dhcp) hands out IPv4 name servers only");
      }
    }
  }

  private static void pool(KvmHostSpec spec, Ipv4Cidr gateway, boolean dhcp, List<String> errors) {
    List<AddressEntry> entries = spec.addresses == null ? List.of() : spec.addresses;
    for (int i = 0; i < entries.size(); i++) {
      AddressEntry e = entries.get(i);
      if (e != null && e.ip != null) {
        address("spec.addresses[" + i + "].ip", e.ip, gateway, dhcp, errors);
      }
    }
    List<AddressRange> ranges = spec.addressRanges == null ? List.of() : spec.addressRanges;
    for (int i = 0; i < ranges.size(); i++) {
      range("spec.addressRanges[" + i + "]", ranges.get(i), gateway, dhcp, errors);
    }
  }

  private static void address(
      String field, String ip, Ipv4Cidr gateway, boolean dhcp, List<String> errors) {
    long value = Ipv4Cidr.value(ip);
    if (value == gateway.address()) {
      errors.add(
          "spec.network.gateway: "
              + gateway.ip()
              + " is also a pool address ("
              + field
              + "); the bridge holds it, no guest can");
    } else if (dhcp && value < 0) {
      errors.add(field + ": " + SpecText.quoted(ip) + " is not IPv4; " + DHCP_NEEDS + gateway);
    } else if (dhcp && !gateway.isHostAddress(value)) {
      errors.add(field + ": " + ip + " is outside " + gateway.networkText() + outsideWhy(gateway));
    }
  }

  private static void range(
      String field, AddressRange r, Ipv4Cidr gateway, boolean dhcp, List<String> errors) {
    long first = r == null ? -1 : Ipv4Cidr.value(r.first);
    long last = r == null ? -1 : Ipv4Cidr.value(r.last);
    if (first < 0 || last < 0 || first > last) {
      return; // PoolValidation names what is wrong with the range itself
    }
    if (gateway.address() >= first && gateway.address() <= last) {
      errors.add(
          "spec.network.gateway: "
              + gateway.ip()
              + " lies in "
              + field
              + " ("
              + r.first
              + " to "
              + r.last
              + "); the bridge holds it, no guest can");
    } else if (dhcp && (!gateway.isHostAddress(first) || !gateway.isHostAddress(last))) {
      errors.add(
          field
              + ": "
              + r.first
              + " to "
              + r.last
              + " reaches outside "
              + gateway.networkText()
              + outsideWhy(gateway));
    }
  }

  private static final String DHCP_NEEDS =
      "spec.network.dhcp gives leases only in the network of spec.network.gateway ";

  private static String outsideWhy(Ipv4Cidr gateway) {
    return " (or is its network or broadcast address), the network of spec.network.gateway "
        + gateway
        + "; spec.network.dhcp gives leases only there";
  }
}
