package dev.kvmop.controller.guest;

import static dev.kvmop.api.Conditions.READY;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.KvmHost;
import dev.kvmop.controller.CrashPoints;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.host.HostAgent;
import dev.kvmop.host.HostException;
import dev.kvmop.qemu.GuestDirs;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Deleting a guest: stop qemu (graceful, then forced), remove its directory, release its address,
 * and only then let the finalizer go. A silent host holds the finalizer for a bounded time, after
 * which the guest is released with a Warning Event: the process may still run there.
 */
final class GuestDeletion {
  static final Duration UNREACHABLE_GRACE = Duration.ofMinutes(5);
  static final Duration RETRY = Duration.ofSeconds(10);

  /** How far into the stop command the during-stop crash point halts (tests only). */
  static final Duration STOP_CRASH_DELAY = Duration.ofMillis(300);

  private final GuestContext c;
  private final Consumer<String> addressFreed;

  GuestDeletion(GuestContext c, Consumer<String> addressFreed) {
    this.c = c;
    this.addressFreed = addressFreed;
  }

  DeleteControl cleanup(GuestRun run, Optional<KvmHost> host) {
    Optional<HostDirectory.Entry> entry =
        c.directory().get(run.hostId()).filter(HostDirectory.Entry::usable);
    if (host.isEmpty()) {
      // The KvmHost is gone (its own deletion waits for guests, so this is a guest that never
      // got anywhere, or a host force-removed): nothing to reach.
      return release(run);
    }
    try {
      if (entry.isEmpty()) {
        throw new HostException(
            HostException.Reason.Unreachable,
            "host " + run.guest().getSpec().hostRef.name + " is not ready");
      }
      HostAgent agent = c.agents().agentFor(entry.get().target());
      String dir =
          GuestDirs.of(entry.get().spec().workDir, run.namespace(), run.name(), run.uid()).dir();
      enter(run, GuestPhase.Stopping, "Deleting", "stopping qemu and removing " + dir);
      run.persist();
      // Armed, the crash point halts while the remote stop is in flight.
      CrashPoints.during(
          CrashPoints.DURING_STOP,
          STOP_CRASH_DELAY,
          () ->
              agent.stop(
                  dir, run.uid(), Duration.ofSeconds(run.guest().getSpec().gracePeriodSeconds)));
      agent.removeGuestDir(dir);
      CrashPoints.reach(CrashPoints.BEFORE_RELEASE);
      return release(run);
    } catch (HostException e) {
      Instant deadline =
          Instant.parse(run.guest().getMetadata().getDeletionTimestamp()).plus(UNREACHABLE_GRACE);
      if (Instant.now(c.clock()).isBefore(deadline)) {
        run.conditions()
            .set(
                READY,
                false,
                "DeletionPending",
                "cannot clean up on the host yet ("
                    + e.getMessage()
                    + "); retrying until "
                    + deadline);
        run.persist();
        return DeleteControl.noFinalizerRemoval().rescheduleAfter(RETRY);
      }
      c.transitions()
          .warn(
              run.guest(),
              "ReleasedWithoutCleanup",
              "host "
                  + run.guest().getSpec().hostRef.name
                  + " did not answer for "
                  + UNREACHABLE_GRACE.toMinutes()
                  + " min; the guest was released and its address freed, but its qemu may still run on that host");
      return release(run);
    }
  }

  private DeleteControl release(GuestRun run) {
    c.addresses().release(run.hostId(), run.uid());
    addressFreed.accept(run.hostId());
    return DeleteControl.defaultDelete();
  }

  private void enter(GuestRun run, GuestPhase phase, String reason, String message) {
    c.transitions().enter(run.guest(), run.status(), phase, reason, message);
  }
}
