package dev.kvmop.api;

/** User-facing annotations; part of the public interface. */
public final class Annotations {
  /** A new value sends QMP system_reset to the guest once. */
  public static final String RESET = "kvmop.dev/reset";

  /** A new value stops and starts the guest once. */
  public static final String RESTART = "kvmop.dev/restart";

  /** A new value stops the guest, recreates its image and empty disks fresh and starts it once. */
  public static final String REIMAGE = "kvmop.dev/reimage";

  private Annotations() {}
}
