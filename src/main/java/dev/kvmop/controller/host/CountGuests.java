package dev.kvmop.controller.host;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.metrics.DomainMetrics;
import java.util.Arrays;
import java.util.List;

/**
 * status.guests, status.pool and status.allocated from the guests of the host, and their metrics.
 */
record CountGuests(DomainMetrics metrics) implements HostStep {
  private static final List<String> PHASES =
      Arrays.stream(GuestPhase.values()).map(Enum::name).toList();

  @Override
  public StepResult run(HostRound round) {
    List<KvmGuest> guests = round.guests();
    var status = round.status();
    status.guests = HostCounts.guests(guests);
    status.pool = HostCounts.pool(round.spec(), guests);
    String ns = round.host().getMetadata().getNamespace();
    String name = round.host().getMetadata().getName();
    metrics.guests(ns, name, PHASES, HostCounts.byPhase(guests));
    metrics.pool(ns, name, status.pool.allocated, status.pool.free);
    status.allocated = HostCounts.allocated(round.spec(), status.facts, guests);
    metrics.hostAllocated(
        ns,
        name,
        status.allocated.cpus,
        HostCounts.placedMemoryMiB(guests) << 20,
        status.allocated.guests);
    return StepResult.NEXT;
  }
}
