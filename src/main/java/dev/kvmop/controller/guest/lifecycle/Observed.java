package dev.kvmop.controller.guest.lifecycle;

import dev.kvmop.api.ExitReason;
import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.host.GuestProcess;
import java.time.Instant;

/** What the latest host probe says about one guest's process (pure). */
sealed interface Observed {
  /** A qemu with the guest's identity runs. */
  record Running(int pid, long startTicks) implements Observed {}

  /** No process with the guest's identity runs. */
  record Exited(ExitReason reason) implements Observed {}

  /** No probe newer than the last launch yet: status stands. */
  record NotYet() implements Observed {}

  static Observed from(
      ProbeSnapshot snapshot, String guestDir, KvmGuestStatus status, Instant launchedAt) {
    if (snapshot == null
        || snapshot.probe() == null
        || (launchedAt != null && snapshot.at().isBefore(launchedAt))) {
      return new NotYet();
    }
    var process = snapshot.guest(guestDir);
    if (process.isPresent() && process.get().state() == GuestProcess.State.Running) {
      return new Running(process.get().pid(), process.get().startTicks());
    }
    if (status.bootId != null && !status.bootId.equals(snapshot.probe().bootId())) {
      return new Exited(ExitReason.HostLost);
    }
    if (process.isEmpty()) {
      return new Exited(ExitReason.Crashed);
    }
    return new Exited(
        switch (process.get().exit() == null
            ? GuestProcess.ExitCause.Unknown
            : process.get().exit()) {
          case StopRequested -> ExitReason.Killed;
          case GuestShutdown -> ExitReason.Shutdown;
          case Unknown -> ExitReason.Crashed;
        });
  }
}
