package dev.kvmop.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts a process under a chosen, free pid, the way the kernel recycles pids: writes pid-1 to
 * {@code /proc/sys/kernel/ns_last_pid} (root only) and forks at once, retrying while other
 * processes on the machine take the pid first. The process is left running, detached from the
 * caller; stop it with {@link ProcessHandle#destroyForcibly()}.
 */
public final class PidRecycler {
  private static final String SCRIPT =
      "target=$1; shift\n"
          + "i=0\n"
          + "while [ $i -lt 2000 ]; do\n"
          + "  i=$((i+1))\n"
          + "  echo $((target-1)) > /proc/sys/kernel/ns_last_pid || exit 2\n"
          + "  \"$@\" </dev/null >/dev/null 2>&1 &\n"
          + "  if [ $! -eq $target ]; then echo $!; exit 0; fi\n"
          + "  kill -9 $! 2>/dev/null\n"
          + "  [ -e /proc/$target ] && exit 3\n"
          + "done\n"
          + "exit 1\n";

  private PidRecycler() {}

  /** The handle of {@code command} running as pid {@code pid}. */
  public static ProcessHandle spawnAt(long pid, List<String> command) {
    List<String> cmd =
        new ArrayList<>(List.of("bash", "-c", SCRIPT, "recycle", Long.toString(pid)));
    cmd.addAll(command);
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("could not recycle pid " + pid + " in time");
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (p.exitValue() != 0 || !out.equals(Long.toString(pid))) {
        throw new IllegalStateException(
            "could not recycle pid " + pid + ": exit " + p.exitValue() + " " + out);
      }
      return ProcessHandle.of(pid)
          .orElseThrow(() -> new IllegalStateException("recycled pid " + pid + " died"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Field 22 of /proc/pid/stat: start time in clock ticks since boot, or -1 when gone. */
  public static long startTicks(long pid) {
    try {
      String stat =
          java.nio.file.Files.readString(
              java.nio.file.Path.of("/proc", Long.toString(pid), "stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[19]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
