package dev.kvmop.net;

import dev.kvmop.api.KvmHostSpec;
import java.util.List;

/**
 * What the host helper is asked to bring about for spec.network: the bridge (created when {@code
 * managed} and missing, then given {@code gateway} and brought up), and with dhcp the dnsmasq to
 * run on it.
 *
 * @param gateway the bridge's address with prefix, or "" for none
 * @param dnsmasqArgv the dnsmasq to run, empty without dhcp
 */
public record NetworkSetup(
    String bridge, boolean managed, String gateway, boolean dhcp, List<String> dnsmasqArgv) {
  public NetworkSetup {
    gateway = gateway == null ? "" : gateway;
    dnsmasqArgv = List.copyOf(dnsmasqArgv);
  }

  /**
   * @param network a valid spec.network
   */
  public static NetworkSetup of(String workDir, KvmHostSpec.Network network) {
    boolean dhcp = Boolean.TRUE.equals(network.dhcp);
    return new NetworkSetup(
        network.bridge,
        Boolean.TRUE.equals(network.managed),
        network.gateway,
        dhcp,
        dhcp ? DnsmasqArgs.argv(workDir, network) : List.of());
  }
}
