package dev.kvmop.controller.guest.lifecycle;

import dev.kvmop.api.Annotations;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.GuestReasons;
import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.host.HostException;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The annotation actions ({@code kvmop.dev/reset}, {@code kvmop.dev/restart}, {@code
 * kvmop.dev/reimage}, each {@code : <token>}): a token differing from the one in status.actions is
 * carried out once, then recorded there, then reported in an Event. Adding an action is one entry
 * of {@link #ACTIONS}.
 */
public final class ActionTokens {
  /**
   * One action: its annotation, where status.actions keeps the last token carried out, and what it
   * does while qemu runs and while it does not. An effect returns the next handler when the pass
   * ends with it (a restart goes on to Starting).
   */
  private record Action(
      String annotation,
      Function<KvmGuestStatus.Actions, String> done,
      BiConsumer<KvmGuestStatus.Actions, String> markDone,
      Effect whileRunning,
      Effect whileIdle,
      boolean startsIdleGuest) {}

  @FunctionalInterface
  private interface Effect {
    Optional<Outcome> apply(ActionTokens self, GuestRun run, HostDirectory.Entry host, Token token)
        throws HostException;
  }

  /** A new token of one action, and how to record it as carried out. */
  private record Token(String annotation, String value, Runnable markDone) {
    String text() {
      return annotation + "=" + value;
    }
  }

  /** The actions, in the order they are carried out while qemu runs. */
  private static final List<Action> ACTIONS =
      List.of(
          new Action(
              Annotations.RESET,
              a -> a.reset,
              (a, token) -> a.reset = token,
              ActionTokens::reset,
              ActionTokens::skipReset,
              false),
          new Action(
              Annotations.RESTART,
              a -> a.restart,
              (a, token) -> a.restart = token,
              ActionTokens::restart,
              ActionTokens::start,
              true),
          new Action(
              Annotations.REIMAGE,
              a -> a.reimage,
              (a, token) -> a.reimage = token,
              ActionTokens::reimage,
              ActionTokens::reimageIdle,
              true));

  /**
   * While no qemu runs, an action that starts the guest goes first and ends the pass: the other new
   * tokens are seen in a later reconcile (once it runs, a reset then reaches the new qemu).
   */
  private static final List<Action> IDLE_ORDER =
      ACTIONS.stream().sorted(Comparator.comparing(a -> !a.startsIdleGuest())).toList();

  private final GuestServices services;
  private final Stops stops;

  ActionTokens(GuestServices services, Stops stops) {
    this.services = services;
    this.stops = stops;
  }

  /** The action annotations: a change of one calls for a reconcile. */
  public static List<String> annotations() {
    return ACTIONS.stream().map(Action::annotation).toList();
  }

  /** Carries out the new tokens of a guest whose qemu runs. */
  Optional<Outcome> whileRunning(GuestRun run, HostDirectory.Entry host) throws HostException {
    if (run.status().actions == null) {
      run.status().actions = new KvmGuestStatus.Actions();
    }
    return carryOut(ACTIONS, Action::whileRunning, run, host);
  }

  /** Carries out the new tokens of a guest whose qemu does not run. */
  Optional<Outcome> whileIdle(GuestRun run, HostDirectory.Entry host) throws HostException {
    return carryOut(IDLE_ORDER, Action::whileIdle, run, host);
  }

  private Optional<Outcome> carryOut(
      List<Action> actions, Function<Action, Effect> effect, GuestRun run, HostDirectory.Entry host)
      throws HostException {
    for (Action action : actions) {
      KvmGuestStatus s = run.status();
      String token = run.annotation(action.annotation());
      if (token == null
          || token.equals(s.actions == null ? null : action.done().apply(s.actions))) {
        continue;
      }
      Runnable markDone =
          () -> {
            if (s.actions == null) {
              s.actions = new KvmGuestStatus.Actions();
            }
            action.markDone().accept(s.actions, token);
          };
      Optional<Outcome> next =
          effect
              .apply(action)
              .apply(this, run, host, new Token(action.annotation(), token, markDone));
      if (next.isPresent()) {
        return next;
      }
    }
    return Optional.empty();
  }

  // --- the effects ---------------------------------------------------------------------------

  private Optional<Outcome> reset(GuestRun run, HostDirectory.Entry host, Token token)
      throws HostException {
    services.agent(host).reset(run.dirsOn(host).dir());
    token.markDone().run();
    services
        .transitions()
        .action(
            run.guest(),
            GuestReasons.RESET,
            "QMP system_reset sent for "
                + token.text()
                + "; pid "
                + run.status().pid
                + " unchanged");
    return Optional.empty();
  }

  private Optional<Outcome> skipReset(GuestRun run, HostDirectory.Entry host, Token token) {
    token.markDone().run();
    services
        .transitions()
        .warn(
            run.guest(),
            GuestReasons.RESET_SKIPPED,
            "guest is " + run.status().phase + ": nothing to reset for " + token.text());
    return Optional.empty();
  }

  /** The token is carried out once its stop has ended, so a stop in flight leaves it new. */
  private Optional<Outcome> restart(GuestRun run, HostDirectory.Entry host, Token token)
      throws HostException {
    Optional<Outcome> stopping = stops.stopProcess(run, host, GuestReasons.RESTARTED);
    if (stopping.isPresent()) {
      return stopping;
    }
    token.markDone().run();
    services
        .transitions()
        .action(run.guest(), GuestReasons.RESTARTED, "stopped and relaunching for " + token.text());
    return Optional.of(Outcome.then(GuestPhase.Starting));
  }

  /** Stops qemu and removes the guest's own disks; the launch that follows makes them afresh. */
  private Optional<Outcome> reimage(GuestRun run, HostDirectory.Entry host, Token token)
      throws HostException {
    Optional<Outcome> stopping = stops.stopProcess(run, host, GuestReasons.REIMAGED);
    if (stopping.isPresent()) {
      return stopping;
    }
    return reimageIdle(run, host, token);
  }

  private Optional<Outcome> reimageIdle(GuestRun run, HostDirectory.Entry host, Token token)
      throws HostException {
    services.agent(host).wipeDisks(run.dirsOn(host).dir());
    token.markDone().run();
    services
        .transitions()
        .action(
            run.guest(),
            GuestReasons.REIMAGED,
            "disks removed, made afresh from their images and started for " + token.text());
    return Optional.of(Outcome.then(GuestPhase.Starting));
  }

  private Optional<Outcome> start(GuestRun run, HostDirectory.Entry host, Token token) {
    token.markDone().run();
    services
        .transitions()
        .action(run.guest(), GuestReasons.RESTARTED, "starting for " + token.text());
    return Optional.of(Outcome.then(GuestPhase.Starting));
  }
}
