package dev.kvmop.host;

import dev.kvmop.api.KvmHostStatus.HostFacts;
import java.util.HashMap;
import java.util.Map;

/** Parses the {@code key=value} lines printed by the facts script. */
final class FactsParser {
  private FactsParser() {}

  static HostFacts parse(String output) {
    Map<String, String> kv = new HashMap<>();
    for (String line : output.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        kv.put(line.substring(0, eq), line.substring(eq + 1).strip());
      }
    }
    HostFacts facts = new HostFacts();
    facts.kernel = blankToNull(kv.get("kernel"));
    facts.arch = blankToNull(kv.get("arch"));
    facts.cpuVendor = blankToNull(kv.get("cpuVendor"));
    facts.virtualization = kv.getOrDefault("virtualization", "none");
    facts.kvmDevice = "true".equals(kv.get("kvmDevice"));
    facts.cpus = parseInt(kv.get("cpus"));
    Long memKiB = parseLong(kv.get("memKiB"));
    facts.memoryBytes = memKiB == null ? null : memKiB * 1024;
    facts.bootId = blankToNull(kv.get("bootId"));
    facts.qemuVersion = blankToNull(kv.get("qemuVersion"));
    facts.kvmModuleVersion = blankToNull(kv.get("kvmModuleVersion"));
    return facts;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  private static Integer parseInt(String s) {
    Long l = parseLong(s);
    return l == null ? null : l.intValue();
  }

  private static Long parseLong(String s) {
    try {
      return s == null || s.isBlank() ? null : Long.parseLong(s.strip());
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
