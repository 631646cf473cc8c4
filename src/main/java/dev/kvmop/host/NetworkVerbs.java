package dev.kvmop.host;

import dev.kvmop.net.AddressSyntax;
import dev.kvmop.net.DhcpLease;
import dev.kvmop.net.NetworkSetup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The network verbs of {@link HostAgent}: the host helper {@code kvmop-net}. */
final class NetworkVerbs {
  static final String HELPER = "kvmop-net";

  /** Stopping an old dnsmasq (5 s) and waiting for a new one (5 s), plus the round trip. */
  static final Duration UP_TIMEOUT = Duration.ofSeconds(30);

  static final Duration SHORT = Duration.ofSeconds(20);

  private final HelperVerbs helper;

  NetworkVerbs(HelperVerbs helper) {
    this.helper = helper;
  }

  NetworkState up(String workDir, NetworkSetup setup) throws HostException {
    List<String> args =
        new ArrayList<>(
            List.of(
                "up",
                workDir,
                setup.bridge(),
                setup.managed() ? "1" : "0",
                setup.gateway().isEmpty() ? "-" : setup.gateway(),
                setup.dhcp() ? "1" : "0",
                "--"));
    args.addAll(setup.dnsmasqArgv());
    CommandResult r = helper.run(HELPER, workDir, "network", UP_TIMEOUT, args);
    try {
      return NetworkState.parse(r.stdout());
    } catch (IllegalArgumentException e) {
      throw new HostException(HostException.Reason.CommandFailed, e.getMessage(), e);
    }
  }

  void down(String workDir, String owner) throws HostException {
    helper.run(HELPER, workDir, "network", UP_TIMEOUT, List.of("down", workDir, owner));
  }

  void lease(String workDir, DhcpLease lease) throws HostException {
    helper.run(
        HELPER,
        workDir,
        "lease",
        SHORT,
        List.of("lease", workDir, lease.mac(), lease.ip(), lease.hostname()));
  }

  void unlease(String workDir, String mac) throws HostException {
    helper.run(
        HELPER,
        workDir,
        "lease",
        SHORT,
        List.of("unlease", workDir, AddressSyntax.normalizeMac(mac)));
  }
}
