package dev.kvmop.api;

/** How the operator decides whether to trust the SSH host key a host presents. */
public enum HostKeyPolicy {
  /** Only the key in {@code spec.hostKey} is accepted. */
  Pinned,
  /** The first key seen is recorded in {@code status.observedHostKey} and pinned from then on. */
  TrustOnFirstUse
}
