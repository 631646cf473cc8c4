package dev.kvmop.cloudinit;

import dev.kvmop.net.AddressSyntax;
import java.util.List;
import java.util.Optional;

/**
 * A version 2 network-config for the guest's one NIC (pure): matched by its MAC and named eth0, the
 * pool address with the prefix of the host's gateway, the gateway as default route, the name
 * servers. Without a gateway the address is a host route (/32, /128) and there is no default route.
 */
final class NetworkConfig {
  private NetworkConfig() {}

  /** Empty when there is nothing to configure: no NIC, or an address that is a hostname. */
  static Optional<String> generate(String mac, String ip, String gateway, List<String> dns) {
    if (mac == null || mac.isEmpty() || ip == null) {
      return Optional.empty();
    }
    boolean v4 = AddressSyntax.isIpv4(ip);
    if (!v4 && !AddressSyntax.isIpv6(ip)) {
      return Optional.empty();
    }
    Optional<Gateway> gw = Gateway.parse(gateway).filter(g -> g.v4() == v4);
    int prefix = gw.map(Gateway::prefix).orElse(v4 ? 32 : 128);
    StringBuilder y = new StringBuilder();
    y.append("version: 2\n");
    y.append("ethernets:\n");
    y.append("  eth0:\n");
    y.append("    match:\n");
    y.append("      macaddress: ")
        .append(Yaml.quoted(AddressSyntax.normalizeMac(mac)))
        .append('\n');
    y.append("    set-name: eth0\n");
    // Plain scalars: an address/prefix is a string in YAML, and simple readers want it unquoted.
    y.append("    addresses:\n");
    y.append("      - ").append(ip).append('/').append(prefix).append('\n');
    gw.ifPresent(
        g -> {
          y.append("    routes:\n");
          y.append("      - to: ").append(v4 ? "0.0.0.0/0" : "::/0").append('\n');
          y.append("        via: ").append(g.address()).append('\n');
        });
    List<String> servers =
        dns.stream().filter(s -> AddressSyntax.isIpv4(s) || AddressSyntax.isIpv6(s)).toList();
    if (!servers.isEmpty()) {
      y.append("    nameservers:\n");
      y.append("      addresses:\n");
      servers.forEach(s -> y.append("        - ").append(s).append('\n'));
    }
    return Optional.of(y.toString());
  }

  /** The host's network.gateway, address/prefix. */
  record Gateway(String address, int prefix, boolean v4) {
    static Optional<Gateway> parse(String cidr) {
      if (cidr == null || cidr.isEmpty() || cidr.indexOf('/') < 0) {
        return Optional.empty();
      }
      String address = cidr.substring(0, cidr.indexOf('/'));
      String bits = cidr.substring(cidr.indexOf('/') + 1);
      if (!bits.matches("[0-9]{1,3}")) {
        return Optional.empty();
      }
      int prefix = Integer.parseInt(bits);
      if (AddressSyntax.isIpv4(address) && prefix <= 32) {
        return Optional.of(new Gateway(address, prefix, true));
      }
      if (AddressSyntax.isIpv6(address) && prefix <= 128) {
        return Optional.of(new Gateway(address, prefix, false));
      }
      return Optional.empty();
    }
  }
}
