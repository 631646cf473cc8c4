package dev.kvmop.api;

/** When the operator (re)launches a guest's qemu process. */
public enum RunStrategy {
  /** Keep it running; relaunch after any exit. */
  Always,
  /** Relaunch after a crash, not after a guest-initiated shutdown. */
  RerunOnFailure,
  /** Launch once; never relaunch. */
  Manual,
  /** Keep it stopped. */
  Halted
}
