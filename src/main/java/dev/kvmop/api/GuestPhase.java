package dev.kvmop.api;

/** Lifecycle of a {@link KvmGuest}; see docs/state-diagrams.md. */
public enum GuestPhase {
  Pending,
  Scheduled,
  Starting,
  Running,
  Stopping,
  Stopped,
  Succeeded,
  Failed,
  /** The host does not answer: the operator does not know the guest's state. */
  Unknown
}
