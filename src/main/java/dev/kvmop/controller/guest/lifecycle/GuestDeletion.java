package dev.kvmop.controller.guest.lifecycle;

import static dev.kvmop.api.Conditions.READY;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.GuestReasons;
import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.api.KvmHost;
import dev.kvmop.controller.CrashPoints;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.StatusSink;
import dev.kvmop.host.HostAgent;
import dev.kvmop.host.HostException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Deleting a guest: stop qemu (graceful, then forced), remove its directory and its DHCP lease,
 * release its address, and only then let the finalizer go. A silent host holds the finalizer for a
 * bounded time, after which the guest is released with a Warning Event: the process may still run
 * there.
 */
public final class GuestDeletion {
  static final Duration UNREACHABLE_GRACE = Duration.ofMinutes(5);
  static final Duration RETRY = Duration.ofSeconds(10);

  /** How far into the stop command the during-stop crash point halts (tests only). */
  static final Duration STOP_CRASH_DELAY = Duration.ofMillis(300);

  private final GuestServices services;
  private final Consumer<String> addressFreed;

  /**
   * @param addressFreed told the host id when a guest's address and room are released (the guests
   *     waiting for that host, or for any host of the namespace, may take them)
   */
  public GuestDeletion(GuestServices services, Consumer<String> addressFreed) {
    this.services = services;
    this.addressFreed = addressFreed;
  }

  /**
   * Cleans up after a deleted guest.
   *
   * @return empty when the finalizer may go; otherwise when to try again
   */
  public Optional<Duration> cleanup(GuestRun run, StatusSink<KvmGuestStatus> record) {
    Optional<KvmHost> host = services.inventory().host(run.namespace(), run.hostName());
    if (host.isEmpty()) {
      // The KvmHost is gone (its own deletion waits for guests, so this is a guest that never
      // got anywhere, or a host force-removed): nothing to reach.
      return release(run);
    }
    try {
      Optional<Duration> stopping = stopAndRemove(run, record);
      return stopping.isPresent() ? stopping : release(run);
    } catch (HostException e) {
      return retryOrAbandon(run, record, e);
    }
  }

  /**
   * Stops qemu off the reconcile thread ({@link StopsInFlight}), then removes what the guest had on
   * the host.
   *
   * @return while the stop runs, when to look again; empty once all is removed
   */
  private Optional<Duration> stopAndRemove(GuestRun run, StatusSink<KvmGuestStatus> record)
      throws HostException {
    Optional<HostDirectory.Entry> entry =
        services.directory().get(run.hostId()).filter(HostDirectory.Entry::usable);
    if (entry.isEmpty()) {
      throw notUsable(run);
    }
    HostAgent agent = services.agent(entry.get());
    String dir = run.dirsOn(entry.get()).dir();
    services
        .transitions()
        .enter(
            run, GuestPhase.Stopping, GuestReasons.DELETING, "stopping qemu and removing " + dir);
    record.write(run.status());
    Duration grace = Duration.ofSeconds(run.spec().gracePeriodSeconds);
    // Armed, the crash point halts while the remote stop is in flight.
    Optional<Instant> since =
        services
            .stops()
            .ask(
                run,
                GuestReasons.DELETING,
                () ->
                    CrashPoints.during(
                        CrashPoints.DURING_STOP,
                        STOP_CRASH_DELAY,
                        () -> agent.stop(dir, run.uid(), grace)));
    if (since.isPresent()) {
      Stops.inProgress(run, GuestReasons.DELETING, since.get());
      record.write(run.status());
      return Optional.of(StopsInFlight.POLL);
    }
    agent.removeGuestDir(dir);
    Leases.withdraw(run, entry.get(), agent);
    CrashPoints.reach(CrashPoints.BEFORE_RELEASE);
    return Optional.empty();
  }

  /**
   * Only a host that cannot be reached may end in a release without cleanup, after {@link
   * #UNREACHABLE_GRACE}: a host that answers but fails (a full disk, a stop that did not take) is
   * retried for as long as it takes, since freeing the address while qemu may run there would hand
   * it to a second guest.
   */
  /** Unreachable only when the host is: a host that answers but is not Ready is waited for. */
  private HostException notUsable(GuestRun run) {
    Optional<HostDirectory.Entry> known = services.directory().get(run.hostId());
    boolean unreachable =
        known.isEmpty()
            || known.get().target() == null
            || known.get().phase() == dev.kvmop.api.HostPhase.Unreachable;
    String phase = known.map(e -> String.valueOf(e.phase())).orElse("unknown to this operator");
    return new HostException(
        unreachable ? HostException.Reason.Unreachable : HostException.Reason.CommandFailed,
        "host " + run.hostName() + " is not ready (" + phase + ")");
  }

  private Optional<Duration> retryOrAbandon(
      GuestRun run, StatusSink<KvmGuestStatus> record, HostException e) {
    Instant deadline =
        Instant.parse(run.guest().getMetadata().getDeletionTimestamp()).plus(UNREACHABLE_GRACE);
    boolean unreachable = e.reason() == HostException.Reason.Unreachable;
    if (!unreachable || services.now().isBefore(deadline)) {
      String until =
          unreachable
              ? "retrying until " + deadline
              : "retrying; the address stays held while the host answers";
      run.conditions()
          .set(
              READY,
              false,
              GuestReasons.DELETION_PENDING,
              "cannot clean up on the host yet (" + e.getMessage() + "); " + until);
      record.write(run.status());
      return Optional.of(RETRY);
    }
    services
        .transitions()
        .warn(run.guest(), GuestReasons.RELEASED_WITHOUT_CLEANUP, abandonMessage(run, e));
    return release(run);
  }

  /** What is known when giving up: the last error, the process last seen, what was freed. */
  private static String abandonMessage(GuestRun run, HostException e) {
    KvmGuestStatus s = run.status();
    return "host "
        + run.hostName()
        + " unreachable for "
        + UNREACHABLE_GRACE.toMinutes()
        + " min since the deletion (last error: "
        + e.getMessage()
        + "); released without cleanup: its qemu"
        + (s.pid == null ? "" : " (pid " + s.pid + " when last seen)")
        + " may still run there, and its address "
        + (s.ip == null ? "" : s.ip + " ")
        + (s.mac == null ? "" : s.mac + " ")
        + "was freed";
  }

  /**
   * Frees what the guest held: its address, and its room on the host (or a placement decided but
   * never put on record), under the placement lock, so a waiting guest can take them at once.
   */
  private Optional<Duration> release(GuestRun run) {
    services
        .placements()
        .update(
            run.namespace(),
            ledger -> {
              services.addresses().release(run.hostId(), run.uid());
              ledger
                  .release(run.uid())
                  .ifPresent(
                      r ->
                          services
                              .addresses()
                              .release(HostDirectory.hostId(run.namespace(), r.host()), run.uid()));
            });
    services.forget(run.uid());
    addressFreed.accept(run.hostId());
    return Optional.empty();
  }
}
