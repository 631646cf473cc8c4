package dev.kvmop.api;

/** Why a guest's qemu process last ended. */
public enum ExitReason {
  /** The process vanished without a shutdown the guest asked for. */
  Crashed,
  /** The guest shut itself down. */
  Shutdown,
  /** The operator stopped it. */
  Killed,
  /** The host rebooted or was lost with the process on it. */
  HostLost
}
