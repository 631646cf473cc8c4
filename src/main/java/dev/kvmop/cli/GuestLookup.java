package dev.kvmop.cli;

import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHost;
import dev.kvmop.api.KvmHostStatus;
import dev.kvmop.controller.host.Credentials;
import dev.kvmop.controller.host.SshTargets;
import dev.kvmop.host.SshTarget;
import dev.kvmop.qemu.GuestDirs;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/** Reads a KvmGuest, its KvmHost and the host's Secret, as the operator reads them. */
final class GuestLookup {
  private final KubernetesClient client;

  GuestLookup(KubernetesClient client) {
    this.client = client;
  }

  /**
   * @throws CliException the guest, its host or the Secret is missing or unusable, or the host has
   *     no host key to verify it by
   */
  GuestOnHost find(String namespace, String name) throws CliException {
    String guestId = namespace + "/" + name;
    KvmGuest guest = get(KvmGuest.class, namespace, name, "kvmguest");
    if (guest == null) {
      throw new CliException("kvmguest " + guestId + " not found");
    }
    String hostName = hostOf(guest);
    if (hostName == null) {
      throw new CliException("kvmguest " + guestId + " is not placed on a host yet");
    }
    String hostId = namespace + "/" + hostName;
    KvmHost host = get(KvmHost.class, namespace, hostName, "kvmhost");
    if (host == null || host.getSpec() == null) {
      throw new CliException(
          "kvmhost " + hostId + " (the host of kvmguest " + guestId + ") not found");
    }
    SshTarget target = target(host, hostId);
    String dir =
        GuestDirs.of(host.getSpec().workDir, namespace, name, guest.getMetadata().getUid()).dir();
    GuestOnHost found =
        new GuestOnHost(
            guestId,
            hostId,
            guest.getStatus() == null ? null : guest.getStatus().phase,
            target,
            dir);
    return found;
  }

  /** Where the operator placed the guest (status.host), else the host its spec names. */
  private static String hostOf(KvmGuest guest) {
    if (guest.getStatus() != null && guest.getStatus().host != null) {
      return guest.getStatus().host;
    }
    var spec = guest.getSpec();
    return spec == null || spec.hostRef == null ? null : spec.hostRef.name;
  }

  private SshTarget target(KvmHost host, String hostId) throws CliException {
    var ref = host.getSpec().credentialsSecretRef;
    String secretName = ref == null || ref.name == null ? "" : ref.name;
    Secret secret =
        secretName.isEmpty()
            ? null
            : get(Secret.class, host.getMetadata().getNamespace(), secretName, "secret");
    Object read = Credentials.from(secret, secretName);
    if (read instanceof Credentials.Problem p) {
      throw new CliException("kvmhost " + hostId + ": " + p.message());
    }
    if (host.getStatus() == null) {
      host.setStatus(new KvmHostStatus());
    }
    SshTarget target = SshTargets.of(host, (Credentials) read);
    if (target.expectedHostKey() == null || target.expectedHostKey().isBlank()) {
      // Never trust a key on first use here: only the operator records one, after its own check.
      throw new CliException(
          "kvmhost "
              + hostId
              + " has no host key to verify it by yet (spec.hostKey is empty and the operator"
              + " has not recorded one)");
    }
    return target;
  }

  private <T extends HasMetadata> T get(Class<T> type, String ns, String name, String what)
      throws CliException {
    try {
      return client.resources(type).inNamespace(ns).withName(name).get();
    } catch (KubernetesClientException e) {
      String api = client.getConfiguration().getMasterUrl();
      throw new CliException(
          String.format(
              "cannot read %s %s/%s from %s: %s", what, ns, name, api, CliException.rootCause(e)));
    }
  }
}
