package dev.kvmop.net;

/** Outcome of {@link AddressAllocator#allocate}. */
public sealed interface Allocation {
  /** The guest holds this entry (newly, or already before the call). */
  record Assigned(PoolEntry entry) implements Allocation {}

  /** Every pool entry is held; the guest waits (reason PoolExhausted). */
  record Exhausted() implements Allocation {}

  /** The requested IP is not a pool entry. */
  record RequestedNotInPool(String ip) implements Allocation {}

  /** The requested entry's IP or MAC is held by another guest. */
  record RequestedTaken(String ip, String holder) implements Allocation {}
}
