package dev.kvmop.controller.guest.lifecycle;

import dev.kvmop.controller.EventRecorder;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.image.ImageFetches;
import dev.kvmop.host.HostAgent;
import dev.kvmop.host.HostAgentFactory;
import dev.kvmop.host.HostException;
import dev.kvmop.metrics.DomainMetrics;
import java.time.Clock;
import java.time.Instant;

/**
 * What the guest lifecycle and deletion share: the hosts, what the probes saw, the address pools,
 * the placement ledgers and their locks, the one recorder of phase changes, the clock, the guests
 * and hosts in the controller's caches, the image fetches and the stops in flight.
 */
public record GuestServices(
    HostAgentFactory agents,
    HostDirectory directory,
    ProbeSnapshot.Source probes,
    AddressBook addresses,
    PlacementBook placements,
    GuestTransitions transitions,
    Clock clock,
    Inventory inventory,
    DiskServices disks,
    LaunchTimes launches,
    StopsInFlight stops,
    PolicyVerdicts policyVerdicts) {

  /**
   * As {@link #create(HostAgentFactory, HostDirectory, ProbeSnapshot.Source, EventRecorder,
   * DomainMetrics, Clock, Inventory, ImageFetches, StopsInFlight)} with stops that run on the
   * thread that asks for them (tests that do not look at stops in flight).
   */
  public static GuestServices create(
      HostAgentFactory agents,
      HostDirectory directory,
      ProbeSnapshot.Source probes,
      EventRecorder events,
      DomainMetrics metrics,
      Clock clock,
      Inventory inventory,
      ImageFetches images) {
    return create(
        agents,
        directory,
        probes,
        events,
        metrics,
        clock,
        inventory,
        images,
        StopsInFlight.onCallingThread(clock));
  }

  public static GuestServices create(
      HostAgentFactory agents,
      HostDirectory directory,
      ProbeSnapshot.Source probes,
      EventRecorder events,
      DomainMetrics metrics,
      Clock clock,
      Inventory inventory,
      ImageFetches images,
      StopsInFlight stops) {
    AddressBook addresses = new AddressBook(directory.pools());
    // A host leaves the directory when its deletion is done (after its guests): its allocator too.
    directory.onRemoved(addresses::forgetHost);
    return new GuestServices(
        agents,
        directory,
        probes,
        addresses,
        new PlacementBook(metrics),
        new GuestTransitions(events, metrics, clock),
        clock,
        inventory,
        DiskServices.of(images),
        new LaunchTimes(),
        stops,
        new PolicyVerdicts());
  }

  /**
   * Forgets what this process remembers of a deleted guest: its last launch, its Event counts and
   * spec errors, its stop, its guestPolicy verdict. Nothing of a guest outlives its deletion here.
   */
  void forget(String uid) {
    launches.forget(uid);
    disks.specErrors().forget(uid);
    transitions.forget(uid);
    stops.forget(uid);
    policyVerdicts.forget(uid);
  }

  HostAgent agent(HostDirectory.Entry host) throws HostException {
    return agents.agentFor(host.target());
  }

  Instant now() {
    return Instant.now(clock);
  }
}
