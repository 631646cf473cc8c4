package dev.kvmop.api;

/** Lifecycle of a {@link KvmHost}; see docs/state-diagrams.md. */
public enum HostPhase {
  Pending,
  Connecting,
  Provisioning,
  Ready,
  Unreachable,
  Failed,
  Terminating
}
