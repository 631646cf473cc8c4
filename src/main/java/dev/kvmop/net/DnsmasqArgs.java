package dev.kvmop.net;

import dev.kvmop.api.KvmHostSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The argv of the dnsmasq that gives a host's Bridge guests their fixed leases: DHCP only (DNS off
 * with {@code --port=0}), on the bridge only, leases only for the MACs in the hosts directory
 * ({@code static} range: none for unknown MACs), no configuration file but this argv. Its files
 * live in {@code <workDir>/net/} (see {@link NetworkPaths}); the pid file there is also how the
 * host helper recognises its own dnsmasq, together with this exact argv.
 */
public final class DnsmasqArgs {
  /** The program; the host helper looks it up on its PATH. */
  public static final String PROGRAM = "dnsmasq";

  private DnsmasqArgs() {}

  /**
   * @param workDir the host's spec.workDir
   * @param network a valid spec.network with dhcp and a gateway
   */
  public static List<String> argv(String workDir, KvmHostSpec.Network network) {
    Ipv4Cidr gateway = Ipv4Cidr.parse(network.gateway);
    if (gateway == null) {
      throw new IllegalArgumentException("dnsmasq needs spec.network.gateway: " + network.gateway);
    }
    List<String> argv = new ArrayList<>();
    argv.add(PROGRAM);
    argv.add("--conf-file=/dev/null");
    argv.add("--bind-interfaces");
    argv.add("--interface=" + network.bridge);
    argv.add("--except-interface=lo");
    argv.add("--port=0");
    argv.add("--dhcp-range=" + gateway.networkIp() + ",static," + gateway.netmask());
    argv.add("--dhcp-hostsdir=" + NetworkPaths.hostsDir(workDir));
    argv.add("--dhcp-leasefile=" + NetworkPaths.leaseFile(workDir));
    argv.add("--pid-file=" + NetworkPaths.pidFile(workDir));
    argv.add("--log-facility=" + NetworkPaths.logFile(workDir));
    argv.add("--dhcp-option=option:router," + gateway.ip());
    List<String> servers = network.nameservers == null ? List.of() : network.nameservers;
    if (!servers.isEmpty()) {
      argv.add("--dhcp-option=option:dns-server," + String.join(",", servers));
    }
    return argv;
  }
}
