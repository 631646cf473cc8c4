package dev.kvmop.controller.guest.lifecycle;

import dev.kvmop.api.Conditions;
import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmHost;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.api.NetworkType;
import dev.kvmop.controller.HostCapacity;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.StatusConditions;
import dev.kvmop.net.Allocation;
import dev.kvmop.placement.AddressCheck;
import dev.kvmop.placement.Candidate;
import dev.kvmop.placement.Resources;
import java.util.Map;
import java.util.Optional;

/**
 * A KvmHost as placement sees it for one guest: readiness, facts and the pool as the host
 * controller last published them (the directory), labels, cordon, capacity and maxGuests from the
 * KvmHost, answers from the last probe, and what its guests take from the ledger.
 */
final class Candidates {
  private final GuestServices services;
  private final AddressAssignment addresses;

  Candidates(GuestServices services, AddressAssignment addresses) {
    this.services = services;
    this.addresses = addresses;
  }

  Candidate of(KvmHost host, GuestRun run, Resources demand, PlacementLedger.Usage usage) {
    String name = host.getMetadata().getName();
    String hostId = HostDirectory.hostId(run.namespace(), name);
    Optional<HostDirectory.Entry> entry = services.directory().get(hostId);
    boolean ready = entry.isPresent() && host.getSpec() != null && ready(entry.get(), host);
    // Cordon, capacity and maxGuests as the KvmHost says now (a cordon applies at once); the pool
    // as the host controller last validated and published it.
    KvmHostSpec spec = host.getSpec() == null ? new KvmHostSpec() : host.getSpec();
    var facts = entry.map(HostDirectory.Entry::facts).orElse(null);
    return new Candidate(
        name,
        host.getMetadata().getLabels() == null ? Map.of() : host.getMetadata().getLabels(),
        ready,
        !Boolean.FALSE.equals(spec.schedulable),
        networkNotReady(host),
        ready ? address(run, hostId, entry.get().spec()) : AddressCheck.UNKNOWN,
        spec.maxGuests == null ? 0 : spec.maxGuests,
        HostCapacity.capacity(spec, facts),
        HostCapacity.cpuOvercommit(spec),
        HostCapacity.memoryOvercommit(spec),
        usage.allocated(),
        usage.guests());
  }

  /** Ready, answering the last probe, and not being deleted. */
  private boolean ready(HostDirectory.Entry entry, KvmHost host) {
    boolean answers =
        services.probes().snapshot(entry.hostId()).map(ProbeSnapshot::reachable).orElse(true);
    return entry.usable()
        && entry.phase() == HostPhase.Ready
        && answers
        && host.getMetadata().getDeletionTimestamp() == null;
  }

  private AddressCheck address(GuestRun run, String hostId, KvmHostSpec spec) {
    if (run.spec().network.type == NetworkType.None) {
      return AddressCheck.NOT_NEEDED;
    }
    Allocation a = addresses.pool(hostId, spec).peek(run.uid(), run.spec().network.ip);
    if (a instanceof Allocation.Assigned) {
      return AddressCheck.FREE;
    } else if (a instanceof Allocation.RequestedNotInPool) {
      return AddressCheck.REQUESTED_NOT_IN_POOL;
    } else if (a instanceof Allocation.RequestedTaken) {
      return AddressCheck.REQUESTED_TAKEN;
    }
    return AddressCheck.EXHAUSTED;
  }

  /** Whether the host reports NetworkReady=False (Bridge guests must not go there). */
  static boolean networkNotReady(KvmHost host) {
    return host.getStatus() != null
        && StatusConditions.find(host.getStatus().conditions, Conditions.NETWORK_READY)
            .filter(cond -> Conditions.FALSE.equals(cond.getStatus()))
            .isPresent();
  }
}
