package dev.kvmop.controller.guest.lifecycle;

import static dev.kvmop.api.Conditions.SCHEDULED;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.GuestReasons;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.api.KvmHost;
import dev.kvmop.api.NetworkType;
import dev.kvmop.controller.CrashPoints;
import dev.kvmop.controller.GuestHosts;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.StatusSink;
import dev.kvmop.net.AddressAllocator;
import dev.kvmop.net.Allocation;
import dev.kvmop.net.PoolEntry;
import dev.kvmop.placement.Candidate;
import dev.kvmop.placement.Demand;
import dev.kvmop.placement.Placement;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Places a guest that is not placed yet: on the host its spec.hostRef names, or on the best host
 * {@link Placement} finds among the namespace's hosts. Choosing the host and taking its address
 * happen under the namespace's placement lock, counted against what the informer cache shows plus
 * the placements this process decided but the cache does not show yet ({@link PlacementLedger}).
 * The choice is then put on record in one status write (status.host, ip, mac) before anything runs
 * on the host; a crash before that write leaves nothing behind, so the guest is placed afresh.
 */
final class Placer {
  /** The lock's verdict: a host (and address) taken, or why none. */
  private sealed interface Choice {
    /** {@code address} is null for a guest that takes none (network None). */
    record Taken(String host, PoolEntry address) implements Choice {}

    record None(Placement.Decision.NoFit noFit, List<Candidate> hosts, Demand demand)
        implements Choice {}
  }

  private final GuestServices services;
  private final AddressAssignment addresses;
  private final Candidates candidates;
  private final PlacementWaits waits;

  Placer(GuestServices services) {
    this.services = services;
    this.addresses = new AddressAssignment(services);
    this.candidates = new Candidates(services, addresses);
    this.waits = new PlacementWaits(services, addresses);
  }

  /**
   * @return empty when the guest is placed (phase Scheduled, its host and address on record), else
   *     the outcome of waiting in Pending
   */
  Optional<Outcome> place(GuestRun run, StatusSink<KvmGuestStatus> record) {
    Demand demand =
        new Demand(
            GuestHosts.demand(run.spec()),
            run.spec().network.type == NetworkType.Bridge,
            HostChoice.selector(run.spec()));
    Choice choice =
        services.placements().locked(run.namespace(), ledger -> choose(run, demand, ledger));
    if (choice instanceof Choice.None none) {
      waits.noHost(run, none.noFit(), none.hosts(), none.demand());
      return Optional.of(Outcome.awaitEvent());
    }
    Choice.Taken taken = (Choice.Taken) choice;
    KvmGuestStatus s = run.status();
    s.host = taken.host();
    if (taken.address() == null) {
      addresses.noNetwork(run);
    } else {
      addresses.assigned(run, taken.address());
    }
    scheduled(run);
    CrashPoints.reach(CrashPoints.AFTER_ALLOCATION);
    // Host and address on record before qemu can use them: a crash from here on finds them.
    record.write(s);
    CrashPoints.reach(CrashPoints.AFTER_ADDRESS_PERSISTED);
    return Optional.empty();
  }

  /** Scheduled=True and phase Scheduled for a guest whose host and address are in its status. */
  void scheduled(GuestRun run) {
    String host = run.status().host;
    run.conditions().set(SCHEDULED, true, GuestReasons.SCHEDULED, "placed on " + host);
    services
        .transitions()
        .enter(
            run,
            GuestPhase.Scheduled,
            GuestReasons.SCHEDULED,
            "placed on " + host + run.addressText());
  }

  /** Under the namespace's lock. */
  private Choice choose(GuestRun run, Demand demand, PlacementLedger ledger) {
    List<KvmGuest> cached = services.inventory().guestsIn(run.namespace());
    Map<String, PlacementLedger.Usage> usage = ledger.usage(cached);
    List<String> present = cached.stream().map(g -> g.getMetadata().getUid()).toList();
    if (present.contains(run.uid())) {
      // A cache that shows the guest being placed is a view of who exists (not an empty one of a
      // cache not started): the addresses of guests it no longer shows are free.
      services.addresses().forgetAbsent(run.namespace(), present);
    }
    Optional<PlacementLedger.Reservation> reserved = ledger.reservation(run.uid());
    if (reserved.isPresent()) {
      // Decided by an earlier try whose status write failed or is not in the cache yet.
      return take(run, reserved.get().host()).orElseThrow();
    }
    List<Candidate> hosts =
        hosts(run).stream()
            .map(
                h ->
                    candidates.of(
                        h,
                        run,
                        demand.resources(),
                        usage.getOrDefault(h.getMetadata().getName(), PlacementLedger.Usage.NONE)))
            .toList();
    Placement.Decision decision = Placement.choose(demand, hosts);
    if (decision instanceof Placement.Decision.NoFit noFit) {
      ledger.waiting(run.uid());
      return new Choice.None(noFit, hosts, demand);
    }
    String host = ((Placement.Decision.Placed) decision).host().name();
    CrashPoints.reach(CrashPoints.AFTER_PLACEMENT);
    Optional<Choice.Taken> taken = take(run, host);
    if (taken.isEmpty()) {
      // The host controller published a smaller pool since the look at it: look again.
      return choose(run, demand, ledger);
    }
    ledger.reserve(run.uid(), new PlacementLedger.Reservation(host, demand.resources()));
    return taken.get();
  }

  /** {@code host} with the guest's address taken from its pool; empty when it has none for it. */
  private Optional<Choice.Taken> take(GuestRun run, String host) {
    if (run.spec().network.type == NetworkType.None) {
      return Optional.of(new Choice.Taken(host, null));
    }
    String hostId = HostDirectory.hostId(run.namespace(), host);
    Optional<AddressAllocator> pool =
        services
            .directory()
            .get(hostId)
            .map(e -> addresses.pool(hostId, e.spec()))
            .or(() -> services.addresses().existing(hostId));
    return pool.map(p -> p.allocate(run.uid(), run.spec().network.ip))
        .filter(Allocation.Assigned.class::isInstance)
        .map(a -> new Choice.Taken(host, ((Allocation.Assigned) a).entry()));
  }

  private List<KvmHost> hosts(GuestRun run) {
    if (run.namesHost()) {
      return services.inventory().host(run.namespace(), run.spec().hostRef.name).stream().toList();
    }
    return services.inventory().hostsIn(run.namespace());
  }
}
