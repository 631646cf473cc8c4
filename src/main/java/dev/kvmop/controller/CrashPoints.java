package dev.kvmop.controller;

/**
 * Named points where the crash-safety tests kill the operator. Inert unless the environment
 * variable {@code KVMOP_CRASH_POINT} names the point; then the JVM halts there at once (like
 * SIGKILL: no shutdown hooks, no cleanup), so the tests can prove a restart converges.
 */
public final class CrashPoints {
  /** A host is chosen and reserved in memory; nothing about it is on record yet. */
  public static final String AFTER_PLACEMENT = "after-placement";

  public static final String AFTER_ALLOCATION = "after-allocation";
  public static final String AFTER_ADDRESS_PERSISTED = "after-address-persisted";
  public static final String AFTER_LAUNCH = "after-launch";
  public static final String DURING_STOP = "during-stop";
  public static final String BEFORE_RELEASE = "before-release";

  private static final String ARMED = System.getenv("KVMOP_CRASH_POINT");

  private CrashPoints() {}

  /** An action that may fail with a checked exception. */
  @FunctionalInterface
  public interface Action<E extends Exception> {
    void run() throws E;
  }

  /**
   * Runs {@code action}; when {@code point} is armed, the JVM halts {@code after} into it, while
   * the action is still under way (a remote command in flight), or at its end if it finishes
   * sooner.
   */
  public static <E extends Exception> void during(
      String point, java.time.Duration after, Action<E> action) throws E {
    if (point.equals(ARMED)) {
      Thread timer =
          new Thread(
              () -> {
                try {
                  Thread.sleep(after.toMillis());
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                reach(point);
              },
              "crash-point-" + point);
      timer.setDaemon(true);
      timer.start();
    }
    action.run();
    reach(point);
  }

  public static void reach(String point) {
    if (point.equals(ARMED)) {
      System.err.println("kvmop: crash point " + point + " reached; halting");
      Runtime.getRuntime().halt(137);
    }
  }
}
