package dev.kvmop.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Options and the parts every benchmark section of docs/benchmarks.md starts and ends with. */
public final class RunReport {
  private RunReport() {}

  /** "--key value" pairs over the defaults; an unknown or incomplete option is an error. */
  public static Map<String, String> options(String[] args, Map<String, String> defaults) {
    Map<String, String> opt = new LinkedHashMap<>(defaults);
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--") || !defaults.containsKey(a.substring(2)) || i + 1 >= args.length) {
        throw new IllegalArgumentException(
            "unknown or incomplete option " + a + "; known: " + defaults);
      }
      opt.put(a.substring(2), args[++i]);
    }
    return opt;
  }

  /**
   * "## title date", the non-default options in bold, then the command, machine, load average at
   * start and now, and software lines.
   *
   * @param command shown when the system property bench.command (set by the Makefile) is absent
   * @param moreSoftware appended to the software line, or empty
   */
  public static String header(
      String title,
      Map<String, String> defaults,
      Map<String, String> opt,
      String command,
      String loadAtStart,
      String moreSoftware) {
    StringBuilder s = new StringBuilder();
    String date = ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    s.append("## ").append(title).append(" ").append(date).append("\n\n");
    List<String> nonDefault = new ArrayList<>();
    defaults.forEach(
        (k, v) -> {
          if (!v.equals(opt.get(k)) && !k.equals("out")) {
            nonDefault.add("--" + k + " " + opt.get(k));
          }
        });
    if (!nonDefault.isEmpty()) {
      s.append("**Non-standard parameters (not the issue's figures): ")
          .append(String.join(" ", nonDefault))
          .append("**\n\n");
    }
    s.append("- Command: `").append(System.getProperty("bench.command", command)).append("`\n");
    s.append("- Machine: ").append(MachineInfo.machineLine()).append("\n");
    s.append("- Load average at start: ")
        .append(loadAtStart)
        .append("; at end: ")
        .append(MachineInfo.loadAverage())
        .append("\n");
    s.append("- Software: ").append(MachineInfo.softwareLine()).append(moreSoftware).append("\n");
    return s.toString();
  }

  /** Prints the section and appends it to {@code file}. */
  public static void append(Path file, String section, PrintStream out) throws IOException {
    out.println(section);
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    Files.writeString(file, "\n" + section, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    out.println("appended to " + file.toAbsolutePath());
  }
}
