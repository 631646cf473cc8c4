package dev.kvmop.controller.host;

import dev.kvmop.api.HostKeyPolicy;
import dev.kvmop.api.KvmHost;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.host.SshTarget;

/** How to reach a host: its spec, the Secret's key and the host key to expect. */
public final class SshTargets {
  private SshTargets() {}

  /**
   * Under TrustOnFirstUse without spec.hostKey, the key the host presented first (kept in
   * status.observedHostKey) is the one to expect from then on.
   */
  public static SshTarget of(KvmHost host, Credentials creds) {
    KvmHostSpec spec = host.getSpec();
    String expected =
        spec.hostKeyPolicy == HostKeyPolicy.TrustOnFirstUse
                && HostSpecValidation.isBlank(spec.hostKey)
            ? host.getStatus().observedHostKey
            : spec.hostKey;
    return new SshTarget(
        HostDirectory.hostId(host.getMetadata().getNamespace(), host.getMetadata().getName()),
        spec.address,
        spec.port,
        spec.user,
        creds.privateKey(),
        creds.passphrase(),
        spec.hostKeyPolicy,
        expected,
        spec.maxSessions);
  }
}
