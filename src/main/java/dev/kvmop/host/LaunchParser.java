package dev.kvmop.host;

import java.util.HashMap;
import java.util.Map;

/** Parses the {@code key=value} lines printed by {@code kvmop-guest launch}. */
final class LaunchParser {
  private LaunchParser() {}

  /**
   * @throws IllegalArgumentException when pid or startTicks is missing or not a number
   */
  static LaunchedProcess parse(String output) {
    Map<String, String> kv = new HashMap<>();
    for (String line : output.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        kv.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
      }
    }
    try {
      int pid = Integer.parseInt(kv.getOrDefault("pid", ""));
      long ticks = Long.parseLong(kv.getOrDefault("startTicks", ""));
      if (pid <= 0 || ticks < 0) {
        throw new IllegalArgumentException("launch printed pid=" + pid + " startTicks=" + ticks);
      }
      String boot = kv.get("bootId");
      return new LaunchedProcess(
          pid, ticks, boot == null || boot.isEmpty() ? null : boot, "1".equals(kv.get("adopted")));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("launch printed no pid/startTicks: " + output.strip(), e);
    }
  }
}
