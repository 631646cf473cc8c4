package dev.kvmop.controller.host;

import static dev.kvmop.api.Conditions.READY;

import dev.kvmop.api.HostPhase;
import dev.kvmop.api.HostReasons;
import dev.kvmop.api.KvmHost;
import dev.kvmop.host.HostAgent;
import dev.kvmop.host.HostException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A deleted host: waits until no KvmGuest names it, unloads the unused modules the operator loaded,
 * stops its dnsmasq and removes the bridge it created (a bridge it found stays), removes workDir,
 * then lets the host go. A host that stays silent is released after {@link
 * #UNREACHABLE_DELETE_GRACE} with a Warning Event, its workDir left where it is.
 */
final class HostDeletion {
  static final Duration UNREACHABLE_DELETE_GRACE = Duration.ofMinutes(5);
  static final Duration GUESTS_RECHECK = Duration.ofSeconds(5);
  static final Duration CLEANUP_RETRY = Duration.ofSeconds(10);

  /** Whether the host may go, or when to look again. */
  sealed interface Result {
    record Wait(Duration after) implements Result {}

    record Released() implements Result {}
  }

  private final HostParts parts;

  HostDeletion(HostParts parts) {
    this.parts = parts;
  }

  Result run(HostRound round) {
    if (!round.guests().isEmpty()) {
      String names =
          round.guests().stream()
              .map(g -> g.getMetadata().getName())
              .sorted()
              .collect(Collectors.joining(", "));
      return terminating(
          round,
          HostReasons.GUESTS_REMAIN,
          "waiting for KvmGuests to be deleted: " + names,
          GUESTS_RECHECK);
    }
    try {
      cleanUp(round);
    } catch (HostException e) {
      KvmHost host = round.host();
      Instant deadline =
          Instant.parse(host.getMetadata().getDeletionTimestamp()).plus(UNREACHABLE_DELETE_GRACE);
      if (Instant.now(parts.clock()).isBefore(deadline)) {
        return terminating(
            round,
            e.reason().name(),
            "cleanup on the host failed, retrying: " + e.getMessage(),
            CLEANUP_RETRY);
      }
      abandon(host);
    }
    forget(round);
    return new Result.Released();
  }

  private void abandon(KvmHost host) {
    parts
        .events()
        .warning(
            host,
            HostReasons.CLEANUP_ABANDONED,
            "host "
                + host.getSpec().address
                + " did not answer for "
                + UNREACHABLE_DELETE_GRACE.toMinutes()
                + " min; released without removing "
                + host.getSpec().workDir
                + " there");
  }

  /** Nothing is done on a host whose spec is invalid or whose Secret is unusable. */
  private void cleanUp(HostRound round) throws HostException {
    if (!HostSpecValidation.validate(round.spec()).isEmpty()
        || !(Credentials.from(round.secret(), round.secretName()) instanceof Credentials c)) {
      return;
    }
    HostAgent agent = parts.agents().agentFor(SshTargets.of(round.host(), c));
    List<String> inUse = KvmModules.unloadOwn(round.status(), agent, round.spec().workDir);
    if (!inUse.isEmpty()) {
      parts
          .events()
          .normal(
              round.host(),
              HostReasons.MODULES_KEPT,
              "kvm modules in use, left loaded: " + String.join(", ", inUse));
    }
    String owner = round.host().getMetadata().getUid();
    agent.tearDownNetwork(round.spec().workDir, owner);
    agent.removeWorkDir(round.spec().workDir, owner);
  }

  private Result terminating(HostRound round, String reason, String message, Duration after) {
    round.conditions().set(READY, false, reason, message);
    parts
        .transitions()
        .enter(round.host(), new HostOutcome(HostPhase.Terminating, reason, message));
    round.record();
    return new Result.Wait(after);
  }

  private void forget(HostRound round) {
    String id = round.id();
    parts.agents().forget(id);
    parts.build().forget(id);
    parts.fullChecks().forget(id);
    parts.directory().remove(id);
    parts
        .metrics()
        .hostRemoved(
            round.host().getMetadata().getNamespace(), round.host().getMetadata().getName());
  }
}
