package dev.kvmop.controller.host;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.controller.HostPools;
import dev.kvmop.metrics.DomainMetrics;
import dev.kvmop.net.AddressPool;
import java.util.Arrays;
import java.util.List;

/**
 * status.guests, status.pool and (after the steps) status.allocated from the guests of the host,
 * and their metrics.
 */
record CountGuests(DomainMetrics metrics, HostPools pools) implements HostStep {
  private static final List<String> PHASES =
      Arrays.stream(GuestPhase.values()).map(Enum::name).toList();

  @Override
  public StepResult run(HostRound round) {
    List<KvmGuest> guests = round.guests();
    var status = round.status();
    status.guests = HostCounts.guests(guests);
    status.pool = HostCounts.pool(pools.pool(round.id()).orElse(AddressPool.empty()), guests);
    String ns = round.host().getMetadata().getNamespace();
    String name = round.host().getMetadata().getName();
    metrics.guests(ns, name, PHASES, HostCounts.byPhase(guests));
    metrics.pool(ns, name, status.pool.allocated, status.pool.free);
    return StepResult.NEXT;
  }

  /**
   * status.allocated and its metric. Run after the steps: its limits come from the facts, which a
   * step may have just probed.
   */
  void allocated(HostRound round) {
    if (round.spec() == null) {
      return;
    }
    List<KvmGuest> guests = round.guests();
    var status = round.status();
    status.allocated = HostCounts.allocated(round.spec(), status.facts, guests);
    metrics.hostAllocated(
        round.host().getMetadata().getNamespace(),
        round.host().getMetadata().getName(),
        status.allocated.cpus,
        HostCounts.placedMemoryMiB(guests) << 20,
        status.allocated.guests);
  }
}
