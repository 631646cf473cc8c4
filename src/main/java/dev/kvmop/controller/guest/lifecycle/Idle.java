package dev.kvmop.controller.guest.lifecycle;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.StatusSink;
import dev.kvmop.host.HostException;
import java.util.Optional;

/**
 * Stopped, Succeeded and Failed: no qemu runs. Start again when an action token or the run strategy
 * asks for it (Always; RerunOnFailure unless the guest shut itself down); otherwise wait.
 */
final class Idle implements PhaseHandler {
  private final ActionTokens actions;

  Idle(ActionTokens actions) {
    this.actions = actions;
  }

  @Override
  public Outcome handle(GuestRun run, HostDirectory.Entry host, StatusSink<KvmGuestStatus> record)
      throws HostException {
    Optional<Outcome> action = actions.whileIdle(run, host);
    if (action.isPresent()) {
      return action.get();
    }
    boolean wanted =
        switch (run.spec().runStrategy) {
          case Always -> true;
          case RerunOnFailure -> run.status().phase != GuestPhase.Succeeded;
          // Unrecognized never gets here: spec validation stops the reconcile first.
          case Manual, Halted, Unrecognized -> false;
        };
    return wanted ? Outcome.then(GuestPhase.Starting) : Outcome.awaitEvent();
  }
}
