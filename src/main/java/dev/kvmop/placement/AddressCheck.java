package dev.kvmop.placement;

/** Whether a host's pool can give a guest its address (worked out by the pool's allocator). */
public enum AddressCheck {
  /** The guest takes no address (network type None). */
  NOT_NEEDED,
  /** A free entry, or the requested one, is there for the guest. */
  FREE,
  /** Every entry is held. */
  EXHAUSTED,
  /** spec.network.ip is not an entry of this pool. */
  REQUESTED_NOT_IN_POOL,
  /** spec.network.ip is held by another guest. */
  REQUESTED_TAKEN,
  /** Not looked at (the host failed an earlier rule). */
  UNKNOWN
}
