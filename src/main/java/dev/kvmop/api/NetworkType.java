package dev.kvmop.api;

/** How a guest NIC is connected. */
public enum NetworkType {
  /** A tap device joined to the host's bridge through the operator's qemu-ifup script. */
  Bridge,
  /** qemu user-mode networking. */
  User,
  /** No NIC and no pool address. */
  None
}
