package dev.kvmop.controller.guest.lifecycle;

import static dev.kvmop.api.Conditions.SCHEDULED;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.GuestReasons;
import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.controller.CrashPoints;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.StatusSink;

/**
 * Pending: room on the host (spec.maxGuests), an address from its pool, the address on record, then
 * straight on to Scheduled ({@link PrepareDisks}).
 */
final class Schedule implements PhaseHandler {
  private final GuestServices services;
  private final AddressAssignment addresses;

  Schedule(GuestServices services) {
    this.services = services;
    this.addresses = new AddressAssignment(services);
  }

  @Override
  public Outcome handle(GuestRun run, HostDirectory.Entry host, StatusSink<KvmGuestStatus> record) {
    KvmGuestStatus s = run.status();
    Integer maxGuests = host.spec().maxGuests;
    if (s.host == null && maxGuests != null && maxGuests > 0 && scheduledOn(run) >= maxGuests) {
      run.conditions()
          .set(
              SCHEDULED,
              false,
              GuestReasons.MAX_GUESTS_REACHED,
              "host holds spec.maxGuests=" + maxGuests + " guests");
      services
          .transitions()
          .enter(
              run,
              GuestPhase.Pending,
              GuestReasons.MAX_GUESTS_REACHED,
              "waiting for room on the host");
      return Outcome.awaitEvent();
    }
    if (!addresses.assign(run, host)) {
      return Outcome.awaitEvent();
    }
    s.host = run.hostName();
    run.conditions().set(SCHEDULED, true, GuestReasons.SCHEDULED, "placed on " + s.host);
    services
        .transitions()
        .enter(
            run,
            GuestPhase.Scheduled,
            GuestReasons.SCHEDULED,
            "placed on " + s.host + run.addressText());
    CrashPoints.reach(CrashPoints.AFTER_ALLOCATION);
    // The address must be on record before qemu can use it: a crash from here on finds it.
    record.write(s);
    CrashPoints.reach(CrashPoints.AFTER_ADDRESS_PERSISTED);
    return Outcome.then(GuestPhase.Scheduled);
  }

  /** Guests other than this one that are placed on its host. */
  private long scheduledOn(GuestRun run) {
    return services.guestsOnHost().apply(run.hostId()).stream()
        .filter(g -> !g.getMetadata().getUid().equals(run.uid()))
        .filter(g -> g.getStatus() != null && g.getStatus().host != null)
        .count();
  }
}
