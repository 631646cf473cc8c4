package dev.kvmop.controller;

/**
 * Named points where the crash-safety tests kill the operator. Inert unless the environment
 * variable {@code KVMOP_CRASH_POINT} names the point; then the JVM halts there at once (like
 * SIGKILL: no shutdown hooks, no cleanup), so the tests can prove a restart converges.
 */
public final class CrashPoints {
  public static final String AFTER_ALLOCATION = "after-allocation";
  public static final String AFTER_ADDRESS_PERSISTED = "after-address-persisted";
  public static final String AFTER_LAUNCH = "after-launch";
  public static final String DURING_STOP = "during-stop";
  public static final String BEFORE_RELEASE = "before-release";

  private static final String ARMED = System.getenv("KVMOP_CRASH_POINT");

  private CrashPoints() {}

  public static void reach(String point) {
    if (point.equals(ARMED)) {
      System.err.println("kvmop: crash point " + point + " reached; halting");
      Runtime.getRuntime().halt(137);
    }
  }
}
