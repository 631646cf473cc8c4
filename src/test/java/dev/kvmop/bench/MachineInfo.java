package dev.kvmop.bench;

import dev.kvmop.testing.E2EEnvironment;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** What a benchmark table records about the machine it ran on, and local commands. */
public final class MachineInfo {
  private MachineInfo() {}

  public static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "?";
    }
  }

  /** "2 cores (AMD EPYC), MemTotal 23.5 GiB, kernel 6.1.0" */
  public static String machineLine() {
    return Runtime.getRuntime().availableProcessors()
        + " cores ("
        + cpuModel()
        + "), MemTotal "
        + memTotal()
        + ", kernel "
        + sh("uname", "-r").strip();
  }

  /** Java, OpenSSH, OpenSSL and qemu versions. */
  public static String softwareLine() {
    return "Java "
        + System.getProperty("java.version")
        + ", "
        + firstLine(sh("/usr/sbin/sshd", "-V"))
        + ", "
        + firstLine(sh(E2EEnvironment.QEMU, "--version"));
  }

  static String memTotal() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (l.startsWith("MemTotal:")) {
          long kb = Long.parseLong(l.replaceAll("[^0-9]", ""));
          return String.format("%.1f GiB", kb / 1024.0 / 1024.0);
        }
      }
    } catch (IOException e) {
      // fall through
    }
    return "?";
  }

  static String cpuModel() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (l.startsWith("model name")) {
          return l.substring(l.indexOf(':') + 1).strip();
        }
      }
    } catch (IOException e) {
      // fall through
    }
    return "?";
  }

  public static String firstLine(String s) {
    String t = s.strip();
    int nl = t.indexOf('\n');
    return nl < 0 ? t : t.substring(0, nl);
  }

  /** Runs a local command; stdout and stderr together. */
  public static String sh(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getOutputStream().close();
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(30, TimeUnit.SECONDS);
      return text;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }
}
