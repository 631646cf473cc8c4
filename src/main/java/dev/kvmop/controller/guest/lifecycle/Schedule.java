package dev.kvmop.controller.guest.lifecycle;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.StatusSink;
import java.util.Optional;

/**
 * Pending: a guest that names its host is placed there first ({@link Placer}: room under maxGuests
 * and capacity, not cordoned, an address from its pool, all on record); a placed guest has its
 * address again (allocation is idempotent), then goes straight on to Scheduled ({@link
 * PrepareDisks}).
 */
final class Schedule implements PhaseHandler {
  private final Placer placer;
  private final AddressAssignment addresses;

  Schedule(GuestServices services, Placer placer) {
    this.placer = placer;
    this.addresses = new AddressAssignment(services);
  }

  @Override
  public Outcome handle(GuestRun run, HostDirectory.Entry host, StatusSink<KvmGuestStatus> record) {
    KvmGuestStatus s = run.status();
    if (s.host == null) {
      Optional<Outcome> waiting = placer.place(run, record);
      if (waiting.isPresent()) {
        return waiting.get();
      }
    }
    if (!addresses.assign(run, host)) {
      return Outcome.awaitEvent();
    }
    placer.scheduled(run);
    // Nothing new unless the address changed (its recorded one left the pool): on record first.
    record.write(s);
    return Outcome.then(GuestPhase.Scheduled);
  }
}
