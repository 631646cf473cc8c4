package dev.kvmop.host;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses the output of {@code kvmop-guest probe}: one {@code boot <id>} line, one tab-separated
 * {@code guest <dir>\t<uuid>\t<state>\t<pid>\t<ticks>\t<cause>} line per guest directory ({@code -}
 * for an absent value; {@code \\ \t \n \r} escaped in dir and uuid), and one {@code orphan <pid>}
 * line per qemu that carries the operator's marker but belongs to no directory, and one {@code net
 * <status>} line with the host network's status (see {@link NetworkState}). Lines it does not
 * understand are skipped, so stray output never breaks a probe; a guest line with a broken state is
 * reported as Exited/Unknown rather than dropped, so the directory is never silently lost.
 */
final class ProbeParser {
  private ProbeParser() {}

  static HostProbe parse(String output) {
    String bootId = null;
    Map<String, GuestProcess> guests = new LinkedHashMap<>();
    List<Integer> orphans = new ArrayList<>();
    String network = null;
    for (String raw : output.split("\n")) {
      String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
      if (line.startsWith("boot ")) {
        String id = line.substring(5).strip();
        bootId = id.isEmpty() || id.equals("-") ? null : id;
      } else if (line.startsWith("orphan ")) {
        Long pid = number(line.substring(7).strip());
        if (pid != null && pid > 0 && pid <= Integer.MAX_VALUE) {
          orphans.add(pid.intValue());
        }
      } else if (line.startsWith("net ")) {
        network = line.substring(4).strip();
      } else if (line.startsWith("guest ")) {
        GuestProcess g = guest(line.substring(6).split("\t", -1));
        if (g != null) {
          guests.put(g.guestDir(), g);
        }
      }
    }
    return new HostProbe(bootId, guests, orphans, network);
  }

  private static GuestProcess guest(String[] f) {
    if (f.length < 6 || f[0].isEmpty() || !f[0].startsWith("/")) {
      return null;
    }
    String dir = unescape(f[0]);
    String uuid = f[1].equals("-") || f[1].isEmpty() ? null : unescape(f[1]);
    Long pid = number(f[3]);
    Long ticks = number(f[4]);
    if ("Running".equals(f[2])
        && pid != null
        && pid > 0
        && pid <= Integer.MAX_VALUE
        && ticks != null) {
      return new GuestProcess(dir, uuid, GuestProcess.State.Running, pid.intValue(), ticks, null);
    }
    GuestProcess.ExitCause cause =
        switch (f[5].strip()) {
          case "StopRequested" -> GuestProcess.ExitCause.StopRequested;
          case "GuestShutdown" -> GuestProcess.ExitCause.GuestShutdown;
          default -> GuestProcess.ExitCause.Unknown;
        };
    return new GuestProcess(dir, uuid, GuestProcess.State.Exited, null, null, cause);
  }

  private static Long number(String s) {
    if (s == null || s.isEmpty() || s.length() > 19 || !s.chars().allMatch(Character::isDigit)) {
      return null;
    }
    return Long.parseLong(s);
  }

  static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char n = s.charAt(++i);
        sb.append(
            switch (n) {
              case 't' -> '\t';
              case 'n' -> '\n';
              case 'r' -> '\r';
              default -> n;
            });
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
