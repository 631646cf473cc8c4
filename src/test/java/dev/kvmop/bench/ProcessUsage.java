package dev.kvmop.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * CPU and resident memory of a set of local processes over a time window, from /proc/PID/stat
 * (utime+stime, optionally plus the reaped children's cutime+cstime) and /proc/PID/status VmRSS.
 */
public final class ProcessUsage {
  private static final long CLK_TCK = Long.parseLong(MachineInfo.sh("getconf", "CLK_TCK").strip());

  /** CPU in % of one core over the window, the largest summed RSS seen, the window's length. */
  public record Result(double cpuPct, double rssMaxMb, double seconds) {}

  private ProcessUsage() {}

  /**
   * Samples the processes {@code pids} names (asked again every second, so sessions that come and
   * go are followed) for {@code window}. A process first seen during the window counts from that
   * sample on; one that ends counts up to its last sample.
   *
   * @param withChildren add cutime+cstime: the CPU of children the process has waited for (a
   *     shell's commands), which would otherwise vanish with them
   */
  public static Result over(Duration window, Supplier<Collection<Long>> pids, boolean withChildren)
      throws InterruptedException {
    Map<Long, Long> first = new HashMap<>();
    Map<Long, Long> last = new HashMap<>();
    long t0 = System.nanoTime();
    double rssMax = sample(pids.get(), withChildren, first, last);
    long end = t0 + window.toNanos();
    while (System.nanoTime() < end) {
      Thread.sleep(Math.min(1000, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
      rssMax = Math.max(rssMax, sample(pids.get(), withChildren, first, last));
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    long ticks = 0;
    for (Map.Entry<Long, Long> e : last.entrySet()) {
      ticks += e.getValue() - first.get(e.getKey());
    }
    return new Result(ticks / (double) CLK_TCK / seconds * 100, rssMax, seconds);
  }

  public static Result over(Duration window, long pid) throws InterruptedException {
    return over(window, () -> List.of(pid), false);
  }

  private static double sample(
      Collection<Long> pids, boolean withChildren, Map<Long, Long> first, Map<Long, Long> last) {
    double rss = 0;
    for (long pid : pids) {
      long t = ticks(pid, withChildren);
      if (t < 0) {
        continue;
      }
      first.putIfAbsent(pid, t);
      last.put(pid, t);
      rss += rssMb(pid);
    }
    return rss;
  }

  /** Each live process's utime+stime+cutime+cstime now, by pid. */
  public static Map<Long, Long> ticks(Collection<Long> pids) {
    Map<Long, Long> ticks = new HashMap<>();
    for (long pid : pids) {
      long t = ticks(pid, true);
      if (t >= 0) {
        ticks.put(pid, t);
      }
    }
    return ticks;
  }

  /**
   * CPU seconds the processes {@code now} names used since {@code before} was taken; one absent
   * then counts from zero (it started since), one gone since counts nothing.
   */
  public static double cpuSecondsSince(Map<Long, Long> before, Collection<Long> now) {
    long sum = 0;
    for (Map.Entry<Long, Long> e : ticks(now).entrySet()) {
      sum += e.getValue() - before.getOrDefault(e.getKey(), 0L);
    }
    return sum / (double) CLK_TCK;
  }

  /** utime+stime (+cutime+cstime) in clock ticks; -1 when the process is gone. */
  public static long ticks(long pid, boolean withChildren) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // Fields after the ")" of comm: state is field 3, utime 14, stime 15, cutime 16, cstime 17.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long own = Long.parseLong(f[11]) + Long.parseLong(f[12]);
      return withChildren ? own + Long.parseLong(f[13]) + Long.parseLong(f[14]) : own;
    } catch (IOException e) {
      return -1;
    }
  }

  /** When the process started, in seconds since boot (clock-tick resolution); NaN when gone. */
  public static double startedSinceBoot(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // starttime is field 22.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[19]) / (double) CLK_TCK;
    } catch (IOException e) {
      return Double.NaN;
    }
  }

  /** Seconds since boot, the clock of {@link #startedSinceBoot} (10 ms resolution). */
  public static double uptime() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
    } catch (IOException e) {
      return Double.NaN;
    }
  }

  /** VmRSS in MB; 0 when the process is gone or has no memory (a zombie). */
  public static double rssMb(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
    } catch (IOException e) {
      // gone
    }
    return 0;
  }
}
