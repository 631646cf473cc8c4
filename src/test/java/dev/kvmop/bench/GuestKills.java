package dev.kvmop.bench;

import dev.kvmop.api.GuestPhase;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** SIGKILL of guests' qemu, and the operator noticing it, as this JVM's informer sees it. */
public final class GuestKills {
  /**
   * @param nanos when the signals were sent
   * @param pids each guest's qemu pid before the kill
   */
  public record Killed(long nanos, Map<String, Integer> pids) {}

  private GuestKills() {}

  /** SIGKILLs at once the qemu each guest's last observed status names. */
  public static Killed killAll(GuestTracker tracker, List<String> names) {
    Map<String, Integer> pids = new LinkedHashMap<>();
    for (String name : names) {
      pids.put(name, tracker.last(name).pid());
    }
    long t0 = System.nanoTime();
    for (int pid : pids.values()) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    return new Killed(t0, pids);
  }

  /** Seconds from the kill to the first status not Running, or Running with another pid. */
  public static double secondsToLeaveRunning(
      GuestTracker tracker, Killed killed, String name, Duration timeout)
      throws InterruptedException {
    int old = killed.pids().get(name);
    long t =
        tracker.await(
            name,
            killed.nanos(),
            o -> o.phase() != GuestPhase.Running || (o.pid() != null && o.pid() != old),
            timeout);
    return (t - killed.nanos()) / 1e9;
  }
}
