package dev.kvmop.host;

import java.util.Optional;

/**
 * What {@code kvmop-net up} found or made of spec.network on a host, from its output: one status
 * line {@code link=<bridge|absent|other> up=<0|1> gateway=<set|unset|-> dhcp=<running|stopped|off>}
 * (the same line the guest probe carries, see {@link HostProbe#network()}), and when spec.network
 * cannot be brought about a line {@code problem <Problem> <message>}.
 *
 * @param status the status line as printed: comparing it with the probe's tells whether anything
 *     changed since
 * @param problem why spec.network is not in place, if it is not
 */
public record NetworkState(String status, Optional<Problem> problem, String message) {
  /** Why spec.network is not in place; the names are the host's NetworkReady reasons. */
  public enum Problem {
    /** The bridge is missing and not managed. */
    BridgeMissing,
    /** An interface of that name exists and is not a bridge. */
    NotABridge,
    /** An unmanaged bridge lacks the gateway address. */
    GatewayMissing,
    /** ip failed to create or configure the managed bridge. */
    BridgeSetupFailed,
    /** dhcp is asked for and dnsmasq is not installed. */
    DnsmasqMissing,
    /** dnsmasq did not start or stay up. */
    DhcpFailed
  }

  public NetworkState {
    message = message == null ? "" : message;
  }

  /** Whether dnsmasq runs with the argv it was last asked for. */
  public boolean dhcpRunning() {
    return status.contains("dhcp=running");
  }

  /**
   * Parses the output of {@code up}.
   *
   * @throws IllegalArgumentException when it has no status line or names an unknown problem
   */
  static NetworkState parse(String output) {
    String status = null;
    Problem problem = null;
    String message = "";
    for (String raw : output.split("\n")) {
      String line = raw.strip();
      if (line.startsWith("link=")) {
        status = line;
      } else if (line.startsWith("problem ")) {
        String rest = line.substring("problem ".length());
        int space = rest.indexOf(' ');
        String name = space < 0 ? rest : rest.substring(0, space);
        try {
          problem = Problem.valueOf(name);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("unknown network problem from the host: " + name);
        }
        message = space < 0 ? "" : rest.substring(space + 1).strip();
      }
    }
    if (status == null) {
      throw new IllegalArgumentException("no network status line in: " + output.strip());
    }
    return new NetworkState(status, Optional.ofNullable(problem), message);
  }
}
