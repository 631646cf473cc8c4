package dev.kvmop.controller.guest.lifecycle;

import dev.kvmop.controller.HostDirectory;
import dev.kvmop.host.HostException;
import dev.kvmop.host.LogTails;

/**
 * The Warning Event of a crash or a failed launch. It carries the last lines of the guest's
 * serial.log and qemu.log, so that the Event alone says why (a kernel panic, a qemu error) without
 * a login on the host. The tails are read from the host only then, never on a probe.
 */
final class CrashReports {
  /** Lines of each log in the Event. */
  static final int LINES = 10;

  /** At most this much of each log, so the Event stays a few KiB whatever the lines hold. */
  static final int MAX_BYTES = 2048;

  private final GuestServices services;

  CrashReports(GuestServices services) {
    this.services = services;
  }

  /** Emits the Warning Event {@code reason}: {@code message} followed by the log tails. */
  void report(GuestRun run, HostDirectory.Entry host, String reason, String message) {
    String text;
    try {
      LogTails tails = services.agent(host).logTails(run.dirsOn(host).dir(), LINES, MAX_BYTES);
      text = message + section("serial.log", tails.serial()) + section("qemu.log", tails.qemu());
    } catch (HostException e) {
      // The crash is on record either way; only its logs are missing from the Event.
      text = message + "\n(logs unavailable: " + e.getMessage() + ")";
    }
    services.transitions().warn(run.guest(), reason, text);
  }

  private static String section(String name, String tail) {
    return "\n--- last lines of " + name + " ---\n" + (tail.isEmpty() ? "(empty)" : tail);
  }
}
