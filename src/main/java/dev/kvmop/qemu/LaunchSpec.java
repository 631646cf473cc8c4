package dev.kvmop.qemu;

import dev.kvmop.api.KvmGuestSpec;
import java.util.Objects;

/**
 * Everything the qemu argv is built from: the guest's identity, where its files are, what the host
 * provides, and the decisions already taken (accelerator, address).
 *
 * @param namespace guest namespace
 * @param name guest name
 * @param uid guest metadata.uid, passed as -uuid and used to recognise the process
 * @param guestDir absolute directory of the guest on the host (see {@link GuestDirs})
 * @param qemuBinary absolute path of the qemu binary on the host
 * @param biosDir firmware directory for -L; null or empty for qemu's own
 * @param spec the validated guest spec
 * @param accel "kvm" or "tcg", already resolved from spec.accel and the host's facts
 * @param mac the pool MAC of the guest NIC; null when the network type is None
 * @param ifupScript the operator's qemu-ifup script on the host; needed for Bridge only
 * @param runAs the unprivileged user qemu drops to (host guestPolicy.runAs), or null
 */
public record LaunchSpec(
    String namespace,
    String name,
    String uid,
    String guestDir,
    String qemuBinary,
    String biosDir,
    KvmGuestSpec spec,
    String accel,
    String mac,
    String ifupScript,
    String runAs) {
  /** A launch as the SSH user. */
  public LaunchSpec(
      String namespace,
      String name,
      String uid,
      String guestDir,
      String qemuBinary,
      String biosDir,
      KvmGuestSpec spec,
      String accel,
      String mac,
      String ifupScript) {
    this(namespace, name, uid, guestDir, qemuBinary, biosDir, spec, accel, mac, ifupScript, null);
  }

  public LaunchSpec {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(uid, "uid");
    Objects.requireNonNull(guestDir, "guestDir");
    Objects.requireNonNull(qemuBinary, "qemuBinary");
    Objects.requireNonNull(spec, "spec");
    if (!"kvm".equals(accel) && !"tcg".equals(accel)) {
      throw new IllegalArgumentException("accel must be kvm or tcg, got " + accel);
    }
  }
}
