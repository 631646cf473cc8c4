package dev.kvmop.controller.host;

import static dev.kvmop.api.Conditions.READY;

import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHost;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.api.KvmHostStatus;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.StatusConditions;
import dev.kvmop.controller.StatusSink;
import dev.kvmop.host.HostAgent;
import io.fabric8.kubernetes.api.model.Secret;
import java.time.Clock;
import java.util.List;

/**
 * One reconcile of one host: what it was given (the host with its status, its Secret, the guests
 * that name it, where a status goes that must be on record at once) and what the steps learn on the
 * way (the credentials, the connection, the qemu binary the facts were probed with). The status is
 * changed in place; the reconciler writes it when the round is over.
 */
final class HostRound {
  private final KvmHost host;
  private final Secret secret;
  private final List<KvmGuest> guests;
  private final StatusSink<KvmHostStatus> sink;
  private final StatusConditions conditions;
  private final ProbeTimeHeartbeat heartbeat;

  /**
   * Read from the Secret by {@link ReadCredentials}; null before, or when the Secret is unusable.
   */
  Credentials credentials;

  /** Connected by {@link Connect}. */
  HostAgent agent;

  /** The qemu binary {@link ProbeFacts} asked for (null: none known yet, a build provides it). */
  String probedQemu;

  /**
   * The older KvmHost that manages the same bridge on the same machine (address, port, bridge), as
   * "namespace/name"; null when there is none. Set by the reconciler from its cache.
   */
  String bridgeManagedBy;

  /** The network's status line after {@link CheckNetwork} set it up (null before). */
  String networkStatus;

  /**
   * False when the network waits for something the guest probe cannot see change, so the next
   * reconcile must check fully again ({@link FullCheckPassed}).
   */
  boolean networkSettled = true;

  /**
   * @param secret the Secret spec.credentialsSecretRef names, or null when there is none
   * @param guests the KvmGuests placed on this host, or naming it while not placed yet
   * @param sink where a status goes that must be on record before the round is over
   */
  HostRound(
      KvmHost host,
      Secret secret,
      List<KvmGuest> guests,
      StatusSink<KvmHostStatus> sink,
      Clock clock) {
    this.heartbeat = new ProbeTimeHeartbeat(host.getStatus());
    if (host.getStatus() == null) {
      host.setStatus(new KvmHostStatus());
    }
    this.host = host;
    this.secret = secret;
    this.guests = List.copyOf(guests);
    this.sink = sink;
    this.conditions =
        new StatusConditions(
            host.getStatus().conditions, host.getMetadata().getGeneration(), clock);
  }

  KvmHost host() {
    return host;
  }

  KvmHostSpec spec() {
    return host.getSpec();
  }

  KvmHostStatus status() {
    return host.getStatus();
  }

  String id() {
    return HostDirectory.hostId(host.getMetadata().getNamespace(), host.getMetadata().getName());
  }

  Long generation() {
    return host.getMetadata().getGeneration();
  }

  Secret secret() {
    return secret;
  }

  /** spec.credentialsSecretRef.name, or "" when the spec has none. */
  String secretName() {
    return spec() == null || spec().credentialsSecretRef == null
        ? ""
        : spec().credentialsSecretRef.name;
  }

  List<KvmGuest> guests() {
    return guests;
  }

  StatusConditions conditions() {
    return conditions;
  }

  /** Puts the status on record now (build progress, Terminating); false when it was already. */
  boolean record() {
    return sink.write(status());
  }

  ProbeTimeHeartbeat heartbeat() {
    return heartbeat;
  }

  /** Sets condition {@code type} and Ready to False with this reason; the round ends in Failed. */
  StepResult fail(String type, String reason, String message) {
    return block(HostPhase.Failed, type, reason, message);
  }

  /** Sets condition {@code type} and Ready to False with this reason; the round ends in phase. */
  StepResult block(HostPhase phase, String type, String reason, String message) {
    conditions.set(type, false, reason, message);
    conditions.set(READY, false, reason, message);
    return StepResult.stop(phase, reason, message);
  }
}
