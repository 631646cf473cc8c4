package dev.kvmop.host;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs verbs of the helpers in {@code <workDir>/bin} ({@code kvmop-guest}, {@code kvmop-net}) over
 * one connection, installing the helper files first when this connection has not verified them yet
 * (see {@link HelperFiles}).
 */
final class HelperVerbs {
  private static final Duration INSTALL_TIMEOUT = Duration.ofSeconds(20);

  private final RemoteShell shell;

  HelperVerbs(RemoteShell shell) {
    this.shell = shell;
  }

  /**
   * Runs {@code kvmop-guest <args...>}. A missing helper file (deleted behind our back: exit
   * 126/127) is reinstalled once.
   *
   * @throws HostException Unreachable when a signal ended the helper (whether the verb took effect
   *     is unknown), CommandFailed when the helper failed
   */
  CommandResult run(String workDir, String op, Duration timeout, List<String> args)
      throws HostException {
    return run(HelperFiles.NAME, workDir, op, timeout, args);
  }

  /** Like {@link #run(String, String, Duration, List)}, for the installed helper {@code name}. */
  CommandResult run(String name, String workDir, String op, Duration timeout, List<String> args)
      throws HostException {
    // Every helper file is installed and verified together, under the entry point's path.
    String helper = HelperFiles.helperPath(workDir);
    List<String> argv = new ArrayList<>(args.size() + 1);
    argv.add(HelperFiles.helperPath(workDir, name));
    argv.addAll(args);
    ensureInstalled(workDir, helper);
    CommandResult r = shell.run(new Command(op, argv, timeout));
    if (r.exitCode() == 126 || r.exitCode() == 127) {
      HelperFiles.forget(shell, helper);
      ensureInstalled(workDir, helper);
      r = shell.run(new Command(op, argv, timeout));
    }
    if (r.exitCode() > 128) {
      // The helper fails with exit 1 on its own; a signal ended it (its session hung up, it was
      // killed), so whether the verb took effect is unknown: retry it, do not count a failure.
      throw new HostException(
          HostException.Reason.Unreachable,
          op + " ended by signal " + (r.exitCode() - 128) + "; whether it took effect is unknown");
    }
    if (!r.ok()) {
      throw new HostException(
          HostException.Reason.CommandFailed,
          op + " failed (exit " + r.exitCode() + "): " + r.tail(8));
    }
    return r;
  }

  /**
   * Starts {@code kvmop-guest <args...>} with its streams handed to the caller (see {@link
   * RemoteShell#start}); {@code timeout} bounds the install check and the channel's opening.
   */
  RemoteProcess start(String workDir, String op, Duration timeout, List<String> args)
      throws HostException {
    String helper = HelperFiles.helperPath(workDir);
    List<String> argv = new ArrayList<>(args.size() + 1);
    argv.add(helper);
    argv.addAll(args);
    ensureInstalled(workDir, helper);
    return shell.start(new Command(op, argv, timeout));
  }

  private void ensureInstalled(String workDir, String helper) throws HostException {
    if (HelperFiles.verified(shell, helper)) {
      return;
    }
    CommandResult r =
        shell.run(new Command("script", HelperFiles.installArgv(workDir), INSTALL_TIMEOUT));
    if (!r.ok()) {
      throw new HostException(
          HostException.Reason.CommandFailed,
          "script failed (exit " + r.exitCode() + "): " + r.tail(5));
    }
    HelperFiles.markVerified(shell, helper);
  }
}
