package dev.kvmop.controller.guest.lifecycle;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmGuestSpec;
import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.controller.GuestHosts;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.StatusConditions;
import dev.kvmop.qemu.GuestDirs;
import java.time.Clock;

/**
 * One reconcile's working copy of a guest: the guest as received, a copy of its status that the
 * handlers change, and that status's conditions. Writing the status is the status sink's job.
 */
public final class GuestRun {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KvmGuest guest;
  private final KvmGuestStatus status;
  private final StatusConditions conditions;
  private final SecretReader secrets;

  public GuestRun(KvmGuest guest, Clock clock) {
    this(guest, clock, SecretReader.NONE);
  }

  /**
   * @param secrets reads the Secret of spec.cloudInit.userDataSecretRef
   */
  public GuestRun(KvmGuest guest, Clock clock, SecretReader secrets) {
    this.guest = guest;
    this.secrets = secrets;
    // A copy: the received guest is the controller cache's object and must not change.
    this.status =
        guest.getStatus() == null
            ? new KvmGuestStatus()
            : JSON.convertValue(guest.getStatus(), KvmGuestStatus.class);
    this.status.observedGeneration = guest.getMetadata().getGeneration();
    this.conditions =
        new StatusConditions(status.conditions, guest.getMetadata().getGeneration(), clock);
  }

  /**
   * The host a guest belongs to (placed there, or named while not placed), as the host directory
   * and the guests-by-host index key it.
   */
  public static String hostId(KvmGuest g) {
    return GuestHosts.hostId(g);
  }

  public KvmGuest guest() {
    return guest;
  }

  public KvmGuestStatus status() {
    return status;
  }

  public StatusConditions conditions() {
    return conditions;
  }

  SecretReader secrets() {
    return secrets;
  }

  KvmGuestSpec spec() {
    return guest.getSpec();
  }

  String namespace() {
    return guest.getMetadata().getNamespace();
  }

  String name() {
    return guest.getMetadata().getName();
  }

  String uid() {
    return guest.getMetadata().getUid();
  }

  /** The host id of {@link #hostName}. */
  String hostId() {
    String host = hostName();
    return HostDirectory.hostId(namespace(), host == null ? "" : host);
  }

  /**
   * The host the guest is placed on (this reconcile's status.host), else the host spec.hostRef
   * names, else null (a guest the operator has not placed yet).
   */
  String hostName() {
    if (status.host != null) {
      return status.host;
    }
    return spec().hostRef == null ? null : spec().hostRef.name;
  }

  /** Whether spec.hostRef names the host (rather than the operator choosing one). */
  boolean namesHost() {
    return spec().hostRef != null;
  }

  String annotation(String key) {
    var a = guest.getMetadata().getAnnotations();
    return a == null ? null : a.get(key);
  }

  GuestDirs dirsOn(HostDirectory.Entry host) {
    return GuestDirs.of(host.spec().workDir, namespace(), name(), uid());
  }

  /** Whether a qemu may run for this guest: one was confirmed, or the phase says so. */
  boolean launched() {
    return status.pid != null
        || status.phase == GuestPhase.Running
        || status.phase == GuestPhase.Stopping
        || status.phase == GuestPhase.Unknown;
  }

  /** " with <ip> <mac>", or nothing without an address: for Event messages. */
  String addressText() {
    return status.ip == null ? "" : " with " + status.ip + " " + status.mac;
  }
}
