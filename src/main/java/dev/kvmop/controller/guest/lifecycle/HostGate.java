package dev.kvmop.controller.guest.lifecycle;

import static dev.kvmop.api.Conditions.PROCESS_RUNNING;
import static dev.kvmop.api.Conditions.READY;
import static dev.kvmop.api.Conditions.SCHEDULED;

import dev.kvmop.api.Conditions;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.GuestReasons;
import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmHost;
import dev.kvmop.api.NetworkType;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.StatusConditions;
import dev.kvmop.host.HostException;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.util.Optional;

/**
 * The host side of a guest's reconcile. Before any phase handler: does the host exist, does this
 * operator process know it, is it usable, is a Bridge guest's network ready, does it answer? After
 * a handler's host command failed: what is known now. A launched guest whose host is in trouble is
 * Unknown (never relaunched elsewhere, never Failed); one not launched waits in Pending.
 */
final class HostGate {
  /** Look again this soon while the host controller has not published the host yet. */
  static final Duration HOST_NOT_YET_KNOWN = Duration.ofSeconds(2);

  /** Either the usable host to hand the guest to, or the outcome of waiting for it. */
  sealed interface Verdict {
    record Open(HostDirectory.Entry host) implements Verdict {}

    record Closed(Outcome outcome) implements Verdict {}
  }

  private final GuestServices services;

  HostGate(GuestServices services) {
    this.services = services;
  }

  Verdict check(GuestRun run, Optional<KvmHost> host) {
    String hostName = run.hostName();
    if (host.isEmpty()) {
      String field = run.status().host != null ? "status.host" : "spec.hostRef.name";
      return waitForHost(
          run, GuestReasons.HOST_NOT_FOUND, field + ": KvmHost " + hostName + " does not exist");
    }
    Optional<HostDirectory.Entry> entry = services.directory().get(run.hostId());
    GuestPhase current = run.status().phase;
    if (entry.isEmpty() && (run.launched() || (current != null && current != GuestPhase.Pending))) {
      // This operator process has not reconciled the host yet (it just started): that is no news
      // about the host, so the guest keeps its status (a Scheduled guest does not fall back to
      // Pending); the host's first probe wakes it.
      return new Verdict.Closed(Outcome.requeue(HOST_NOT_YET_KNOWN));
    }
    if (entry.isEmpty()) {
      return waitForHost(
          run,
          GuestReasons.HOST_NOT_READY,
          "waiting for the operator to connect to KvmHost " + hostName);
    }
    if (!entry.get().usable()) {
      HostPhase phase = host.get().getStatus() == null ? null : host.get().getStatus().phase;
      return waitForHost(
          run,
          GuestReasons.HOST_NOT_READY,
          "KvmHost " + hostName + (phase == null ? " is not ready yet" : " is " + phase));
    }
    Optional<Condition> network =
        run.launched() ? Optional.empty() : networkNotReady(run, host.get());
    if (network.isPresent()) {
      return waitForHost(
          run,
          GuestReasons.NETWORK_NOT_READY,
          "KvmHost "
              + hostName
              + " has NetworkReady=False ("
              + network.get().getReason()
              + "): "
              + network.get().getMessage());
    }
    var snapshot = services.probes().snapshot(run.hostId()).orElse(null);
    if (entry.get().phase() == HostPhase.Unreachable
        || (snapshot != null && !snapshot.reachable())) {
      return new Verdict.Closed(unreachable(run, hostName));
    }
    return new Verdict.Open(entry.get());
  }

  /** A handler's host command failed with {@code e}; returns when to try again. */
  Outcome failed(GuestRun run, HostException e) {
    if (e.reason() == HostException.Reason.CommandFailed) {
      run.conditions().set(READY, false, GuestReasons.HOST_COMMAND_FAILED, e.getMessage());
      services.transitions().warn(run.guest(), GuestReasons.HOST_COMMAND_FAILED, e.getMessage());
      return Outcome.requeue(Duration.ofSeconds(30));
    }
    // Connection trouble mid-action: whether the action happened is unknown until the host
    // answers; every handler is idempotent, so the next reconcile finishes the job.
    if (run.launched() || run.status().phase == GuestPhase.Starting) {
      run.conditions().set(PROCESS_RUNNING, Conditions.UNKNOWN, e.reason().name(), e.getMessage());
      services.transitions().enter(run, GuestPhase.Unknown, e.reason().name(), e.getMessage());
    }
    return Outcome.requeue(Duration.ofSeconds(10));
  }

  /** The host's NetworkReady=False condition, when a Bridge guest has to wait for it. */
  private static Optional<Condition> networkNotReady(GuestRun run, KvmHost host) {
    if (run.spec().network.type != NetworkType.Bridge || host.getStatus() == null) {
      return Optional.empty();
    }
    return StatusConditions.find(host.getStatus().conditions, Conditions.NETWORK_READY)
        .filter(cond -> Conditions.FALSE.equals(cond.getStatus()));
  }

  private Verdict waitForHost(GuestRun run, String reason, String message) {
    run.conditions().set(SCHEDULED, false, reason, message);
    run.conditions().set(READY, false, reason, message);
    if (run.launched()) {
      run.conditions().set(PROCESS_RUNNING, Conditions.UNKNOWN, reason, message);
      services.transitions().enter(run, GuestPhase.Unknown, reason, message);
    } else {
      services.transitions().enter(run, GuestPhase.Pending, reason, message);
    }
    return new Verdict.Closed(Outcome.awaitEvent());
  }

  private Outcome unreachable(GuestRun run, String hostName) {
    String message = "host " + hostName + " does not answer; the guest's state is unknown";
    String reason = GuestReasons.HOST_UNREACHABLE;
    // Starting counts as launched here: a launch may be in flight, so its qemu may run.
    if (!run.launched() && run.status().phase != GuestPhase.Starting) {
      run.conditions().set(SCHEDULED, false, reason, message);
      services.transitions().enter(run, GuestPhase.Pending, reason, message);
      return Outcome.awaitEvent();
    }
    run.conditions().set(PROCESS_RUNNING, Conditions.UNKNOWN, reason, message);
    run.conditions().set(READY, Conditions.UNKNOWN, reason, message);
    services.transitions().enter(run, GuestPhase.Unknown, reason, message);
    return Outcome.awaitEvent();
  }
}
