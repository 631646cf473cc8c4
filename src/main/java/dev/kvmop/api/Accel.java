package dev.kvmop.api;

/** qemu accelerator selection. */
public enum Accel {
  /** kvm when the host has /dev/kvm, otherwise tcg when the host allows it. */
  Auto,
  Kvm,
  Tcg
}
