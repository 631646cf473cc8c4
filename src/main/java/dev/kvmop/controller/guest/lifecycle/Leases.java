package dev.kvmop.controller.guest.lifecycle;

import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.api.NetworkType;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.host.HostAgent;
import dev.kvmop.host.HostException;
import dev.kvmop.net.DhcpLease;

/**
 * The fixed DHCP lease of a Bridge guest's pool entry on a host with spec.network.dhcp: written
 * before every launch (so it is there when the guest asks, also after an operator restart or a lost
 * write) and removed at deletion before the address is released (so the entry's next holder never
 * finds the old one's lease). Each lease is its own file on the host: guests on one host never
 * overwrite each other's.
 */
final class Leases {
  private Leases() {}

  /** Puts the guest's lease on the host, when it takes one. */
  static void deliver(GuestRun run, HostDirectory.Entry host, HostAgent agent)
      throws HostException {
    if (served(run, host.spec())) {
      agent.writeLease(
          host.spec().workDir, DhcpLease.forGuest(run.status().mac, run.status().ip, run.name()));
    }
  }

  /** Takes the guest's lease off the host, when it had one. */
  static void withdraw(GuestRun run, HostDirectory.Entry host, HostAgent agent)
      throws HostException {
    if (served(run, host.spec())) {
      agent.removeLease(host.spec().workDir, run.status().mac);
    }
  }

  private static boolean served(GuestRun run, KvmHostSpec host) {
    return run.spec().network.type == NetworkType.Bridge
        && Boolean.TRUE.equals(host.network.dhcp)
        && run.status().mac != null
        && run.status().ip != null;
  }
}
