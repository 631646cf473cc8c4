package dev.kvmop.controller.guest.lifecycle;

import dev.kvmop.api.KvmGuest;
import dev.kvmop.controller.EventRecorder;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.image.ImageFetches;
import dev.kvmop.host.HostAgent;
import dev.kvmop.host.HostAgentFactory;
import dev.kvmop.host.HostException;
import dev.kvmop.metrics.DomainMetrics;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/**
 * What the guest lifecycle and deletion share: the hosts, what the probes saw, the address pools,
 * the one recorder of phase changes, the clock, the other guests on a host, and the image fetches.
 */
public record GuestServices(
    HostAgentFactory agents,
    HostDirectory directory,
    ProbeSnapshot.Source probes,
    AddressBook addresses,
    GuestTransitions transitions,
    Clock clock,
    Function<String, List<KvmGuest>> guestsOnHost,
    DiskServices disks) {

  public static GuestServices create(
      HostAgentFactory agents,
      HostDirectory directory,
      ProbeSnapshot.Source probes,
      EventRecorder events,
      DomainMetrics metrics,
      Clock clock,
      Function<String, List<KvmGuest>> guestsOnHost,
      ImageFetches images) {
    return new GuestServices(
        agents,
        directory,
        probes,
        new AddressBook(),
        new GuestTransitions(events, metrics, clock),
        clock,
        guestsOnHost,
        DiskServices.of(images));
  }

  HostAgent agent(HostDirectory.Entry host) throws HostException {
    return agents.agentFor(host.target());
  }

  Instant now() {
    return Instant.now(clock);
  }
}
