package dev.kvmop.controller;

/**
 * Where lifecycle handlers put a status that must be on record before they act (an address before
 * qemu starts, Stopping before a stop). The reconcilers pass a {@link StatusWriter}; synchronous
 * lifecycle tests pass a sink that records what was written.
 */
@FunctionalInterface
public interface StatusSink<S> {
  /** Records {@code status} unless it equals what is on record; returns whether it wrote. */
  boolean write(S status);
}
