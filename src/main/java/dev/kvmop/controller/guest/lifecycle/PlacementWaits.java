package dev.kvmop.controller.guest.lifecycle;

import static dev.kvmop.api.Conditions.READY;
import static dev.kvmop.api.Conditions.SCHEDULED;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.GuestReasons;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.StatusConditions;
import dev.kvmop.net.Allocation;
import dev.kvmop.placement.Candidate;
import dev.kvmop.placement.Demand;
import dev.kvmop.placement.Placement;
import dev.kvmop.placement.Rule;
import java.util.List;

/**
 * A guest no host takes waits in Pending, and says why. A guest the operator places gets reason
 * Unschedulable with the kube-scheduler style count of {@link Placement}; a guest that names its
 * host keeps the reasons it always had (MaxGuestsReached, PoolExhausted, ...), and gets
 * Unschedulable for what is new (cordon, capacity). Each new message is one Event; the same message
 * again is none.
 */
final class PlacementWaits {
  private final GuestServices services;
  private final AddressAssignment addresses;

  PlacementWaits(GuestServices services, AddressAssignment addresses) {
    this.services = services;
    this.addresses = addresses;
  }

  void noHost(GuestRun run, Placement.Decision.NoFit noFit, List<Candidate> hosts, Demand demand) {
    if (!run.namesHost()) {
      unschedulable(run, noFit.message());
      return;
    }
    String name = run.spec().hostRef.name;
    if (hosts.isEmpty()) {
      pending(
          run,
          GuestReasons.HOST_NOT_FOUND,
          "spec.hostRef.name: KvmHost " + name + " does not exist");
      return;
    }
    Candidate host = hosts.get(0);
    Rule rule = noFit.failures().get(host.name());
    String ip = run.spec().network.ip;
    switch (rule) {
      case NOT_READY ->
          pending(
              run, GuestReasons.HOST_NOT_READY, "KvmHost " + name + " is not ready for new guests");
      case NETWORK_NOT_READY ->
          pending(
              run,
              GuestReasons.NETWORK_NOT_READY,
              "KvmHost "
                  + name
                  + " has NetworkReady=False: its network is not ready for Bridge guests");
      case MAX_GUESTS -> {
        run.conditions()
            .set(
                SCHEDULED,
                false,
                GuestReasons.MAX_GUESTS_REACHED,
                "host holds spec.maxGuests=" + host.maxGuests() + " guests");
        enterPending(run, GuestReasons.MAX_GUESTS_REACHED, "waiting for room on the host");
      }
      case POOL_EXHAUSTED ->
          addresses.waitFor(run, new Allocation.Exhausted(), poolSize(run, name));
      case REQUESTED_ADDRESS_NOT_IN_POOL ->
          addresses.waitFor(run, new Allocation.RequestedNotInPool(ip), 0);
      case REQUESTED_ADDRESS_TAKEN ->
          addresses.waitFor(run, new Allocation.RequestedTaken(ip, ""), 0);
      default -> unschedulable(run, Placement.detail(rule, demand, host));
    }
  }

  /** Scheduled=False and Ready=False with reason Unschedulable; one Event per new message. */
  private void unschedulable(GuestRun run, String message) {
    String reason = GuestReasons.UNSCHEDULABLE;
    boolean said =
        StatusConditions.find(run.status().conditions, SCHEDULED)
            .filter(c -> reason.equals(c.getReason()) && message.equals(c.getMessage()))
            .isPresent();
    run.conditions().set(SCHEDULED, false, reason, message);
    run.conditions().set(READY, false, reason, message);
    if (run.status().phase != GuestPhase.Pending) {
      services.transitions().enter(run, GuestPhase.Pending, reason, message);
    } else if (!said) {
      services.transitions().warn(run.guest(), reason, message);
    }
  }

  private void pending(GuestRun run, String reason, String message) {
    run.conditions().set(SCHEDULED, false, reason, message);
    run.conditions().set(READY, false, reason, message);
    enterPending(run, reason, message);
  }

  private void enterPending(GuestRun run, String reason, String message) {
    services.transitions().enter(run, GuestPhase.Pending, reason, message);
  }

  private int poolSize(GuestRun run, String host) {
    String hostId = HostDirectory.hostId(run.namespace(), host);
    return services
        .directory()
        .get(hostId)
        .map(e -> addresses.pool(hostId, e.spec()).total())
        .orElse(0);
  }
}
