package dev.kvmop.host;

import java.util.LinkedHashMap;
import java.util.Map;

/** Parses /proc/modules: module name to use count (pure). */
public final class ProcModules {
  private ProcModules() {}

  /** Lines such as {@code kvm_intel 368640 0 - Live 0x0}; malformed lines are skipped. */
  public static Map<String, Integer> parse(String text) {
    Map<String, Integer> modules = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 3 || f[0].isEmpty()) {
        continue;
      }
      try {
        modules.put(f[0], Integer.parseInt(f[2]));
      } catch (NumberFormatException e) {
        // not a module line
      }
    }
    return modules;
  }
}
