package dev.kvmop.host;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs verbs of the helpers installed under {@code <workDir>/bin} ({@code kvmop-guest}, {@code
 * kvmop-net}, {@code kvmop-disks}) over one connection, installing the helper files first when this
 * connection has not verified them yet (see {@link HelperFiles}).
 */
final class HelperVerbs {
  private static final Duration INSTALL_TIMEOUT = Duration.ofSeconds(20);

  /**
   * One verb of an installed helper.
   *
   * @param file the helper's file name in {@code <workDir>/bin}
   * @param input its standard input, or null (see {@link Command#input()})
   * @param ownChannel whether it runs on an SSH channel of its own (a long job) rather than on the
   *     pooled shell
   */
  record Call(
      String file,
      String op,
      Duration timeout,
      List<String> args,
      String input,
      boolean ownChannel) {
    Call {
      args = List.copyOf(args);
    }

    static Call of(String file, String op, Duration timeout, List<String> args) {
      return new Call(file, op, timeout, args, null, false);
    }
  }

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
    return run(workDir, Call.of(HelperFiles.NAME, op, timeout, args));
  }

  /** Like {@link #run(String, String, Duration, List)}, for the installed helper {@code name}. */
  CommandResult run(String name, String workDir, String op, Duration timeout, List<String> args)
      throws HostException {
    return run(workDir, Call.of(name, op, timeout, args));
  }

  /** Runs {@code call}, as {@link #run(String, String, Duration, List)} runs kvmop-guest. */
  CommandResult run(String workDir, Call call) throws HostException {
    String helper = HelperFiles.helperPath(workDir);
    List<String> argv = new ArrayList<>(call.args().size() + 1);
    argv.add(HelperFiles.binDir(workDir) + "/" + call.file());
    argv.addAll(call.args());
    Command command = new Command(call.op(), argv, call.timeout(), call.input());
    ensureInstalled(workDir, helper);
    CommandResult r = send(command, call.ownChannel());
    if (r.exitCode() == 126 || r.exitCode() == 127) {
      HelperFiles.forget(shell, helper);
      ensureInstalled(workDir, helper);
      r = send(command, call.ownChannel());
    }
    if (r.exitCode() > 128 || r.exitCode() < 0) {
      // The helper fails with exit 1 on its own; a signal ended it (its session hung up, it was
      // killed), so whether the verb took effect is unknown: retry it, do not count a failure.
      throw new HostException(
          HostException.Reason.Unreachable,
          call.op()
              + " ended by a signal ("
              + r.exitCode()
              + "); whether it took effect is unknown");
    }
    if (!r.ok()) {
      throw new HostException(
          HostException.Reason.CommandFailed,
          call.op() + " failed (exit " + r.exitCode() + "): " + r.tail(8));
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

  private CommandResult send(Command command, boolean ownChannel) throws HostException {
    return ownChannel ? shell.runOnOwnChannel(command) : shell.run(command);
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
