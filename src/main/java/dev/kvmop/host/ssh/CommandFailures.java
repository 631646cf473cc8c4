package dev.kvmop.host.ssh;

import dev.kvmop.host.Command;
import dev.kvmop.host.HostException;
import dev.kvmop.host.HostException.Reason;
import java.io.IOException;

/** How a command that did not complete on a connection is reported. */
final class CommandFailures {
  private CommandFailures() {}

  /**
   * No session could be had, so the command never ran. Unreachable either way: sshj may not yet
   * know that a dropped transport is gone, and a launch that never started must be retried, not
   * counted as a crash.
   *
   * @param connected whether sshj still thinks the transport is up
   */
  static HostException neverRan(String hostId, boolean connected, Command command, IOException e) {
    String what = connected ? "no shell session could be opened" : "connection lost";
    return new HostException(
        Reason.Unreachable,
        command.op() + ": " + what + " to " + hostId + " (" + e.getMessage() + ")",
        e);
  }

  /**
   * The session broke while a command may have been running (the connection dropped, the remote
   * shell died). The command did not "run and fail": whether it ran is unknown, as when the whole
   * connection drops, so callers retry their verb instead of treating it as a failure (a launch
   * counted as a crash). sshj may not yet know that the transport is gone when the channel's end
   * arrives first, so the connection state cannot tell these cases apart.
   */
  static HostException lostMidCommand(String hostId, Command command, IOException e) {
    return new HostException(
        Reason.Unreachable,
        command.op()
            + ": session to "
            + hostId
            + " lost mid-command; whether it ran is unknown ("
            + e.getMessage()
            + ")",
        e);
  }

  static HostException timedOut(Command command) {
    return new HostException(
        Reason.Timeout, command.op() + " timed out after " + command.timeout().toSeconds() + "s");
  }
}
