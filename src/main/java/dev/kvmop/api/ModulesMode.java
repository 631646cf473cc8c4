package dev.kvmop.api;

/** How the KVM kernel modules are made available on a host. */
public enum ModulesMode {
  /** The running kernel already provides KVM ({@code /dev/kvm}), or TCG is allowed. */
  Builtin,
  /** {@code modprobe kvm} and the vendor module. */
  Modprobe,
  /** Build kvm from a source tarball and insmod the result. */
  Build
}
