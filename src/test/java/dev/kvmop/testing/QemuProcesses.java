package dev.kvmop.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The qemu processes on this machine, read from /proc: what the loopback test hosts really run, to
 * hold against what the operator reports. A qemu is a process whose executable is {@link
 * E2EEnvironment#QEMU}; its identity is its {@code -uuid} argument.
 */
public final class QemuProcesses {
  private QemuProcesses() {}

  /** Whether {@code pid} is a live qemu (zombies have no executable). */
  public static boolean isQemu(long pid) {
    try {
      return Path.of("/proc", Long.toString(pid), "exe")
          .toRealPath()
          .toString()
          .equals(Path.of(E2EEnvironment.QEMU).toRealPath().toString());
    } catch (IOException e) {
      return false;
    }
  }

  /** The command line of {@code pid}, arguments separated by NUL; empty when it is gone. */
  public static String cmdline(long pid) {
    try {
      return new String(
          Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** Live processes on this machine whose command line holds {@code -uuid <uuid>}. */
  public static List<Long> qemuWithUuid(String uuid) {
    return ProcessHandle.allProcesses()
        .filter(p -> cmdline(p.pid()).contains("-uuid\0" + uuid + "\0"))
        .map(ProcessHandle::pid)
        .toList();
  }

  /**
   * The live qemu run from below {@code guestsDir} (an argument names a path there), by their
   * {@code -uuid} ("(none)" when they have none): more than one pid for a uuid is a duplicate.
   */
  public static Map<String, List<Long>> byUuidBelow(Path guestsDir) {
    String prefix = guestsDir + "/";
    Map<String, List<Long>> byUuid = new TreeMap<>();
    ProcessHandle.allProcesses()
        .filter(p -> isQemu(p.pid()))
        .forEach(
            p -> {
              List<String> args = List.of(cmdline(p.pid()).split("\0"));
              if (args.stream().anyMatch(a -> a.startsWith(prefix))) {
                String uuid = uuidOf(args);
                String key = uuid == null ? "(none)" : uuid;
                byUuid.computeIfAbsent(key, k -> new ArrayList<>()).add(p.pid());
              }
            });
    return byUuid;
  }

  /**
   * Live qemu processes whose command line mentions a path below {@code root} and carries a {@code
   * -uuid}: pid → uuid, from one scan of /proc.
   */
  public static Map<Long, String> below(Path root) {
    String marker = root + "/";
    Map<Long, String> found = new TreeMap<>();
    ProcessHandle.allProcesses()
        .filter(p -> isQemu(p.pid()))
        .forEach(
            p -> {
              List<String> args = List.of(cmdline(p.pid()).split("\0"));
              String uuid = uuidOf(args);
              if (String.join(" ", args).contains(marker) && uuid != null) {
                found.put(p.pid(), uuid);
              }
            });
    return found;
  }

  /** Kills the given processes (SIGKILL); gone ones are skipped. */
  public static void kill(Collection<Long> pids) {
    pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
  }

  private static String uuidOf(List<String> args) {
    int i = args.indexOf("-uuid");
    return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : null;
  }
}
