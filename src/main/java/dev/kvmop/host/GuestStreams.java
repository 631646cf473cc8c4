package dev.kvmop.host;

import java.time.Duration;
import java.util.List;

/**
 * The serial console and serial log of guests on one host, streamed over its connection: what the
 * command line's {@code console} and {@code logs} use. Reconcilers never stream; a crash's Event
 * reads bounded tails through {@link HostAgent#logTails}.
 */
public final class GuestStreams {
  /** How long the helper's install check and the channel's opening may take. */
  static final Duration OPEN_TIMEOUT = Duration.ofSeconds(20);

  private final HelperVerbs helper;

  public GuestStreams(RemoteShell shell) {
    this.helper = new HelperVerbs(shell);
  }

  /**
   * The guest's serial console: what is written to stdin reaches the guest's serial port, what the
   * guest writes comes on stdout. Ends when the guest's qemu exits or the stream is closed; fails
   * on the host (exit 1, a line on stderr) when the guest has no console socket.
   */
  public RemoteProcess console(String guestDir) throws HostException {
    return helper.start(
        GuestDirPath.workDirOf(guestDir), "console", OPEN_TIMEOUT, List.of("console", guestDir));
  }

  /**
   * The guest's serial.log: its last {@code lines} lines (all of it when negative), then, with
   * {@code follow}, what is appended until the stream is closed (a relaunch's rotated log
   * included).
   */
  public RemoteProcess serialLog(String guestDir, int lines, boolean follow) throws HostException {
    String n = lines < 0 ? "all" : Integer.toString(lines);
    return helper.start(
        GuestDirPath.workDirOf(guestDir),
        "log",
        OPEN_TIMEOUT,
        List.of("log", guestDir, n, follow ? "1" : "0"));
  }
}
