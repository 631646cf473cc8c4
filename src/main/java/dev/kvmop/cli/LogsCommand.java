package dev.kvmop.cli;

import dev.kvmop.host.GuestStreams;
import dev.kvmop.host.HostException;
import dev.kvmop.host.RemoteProcess;
import dev.kvmop.host.RemoteShell;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code logs [-n NS] NAME [--tail N] [-f]}: the guest's serial log. */
@Command(
    name = "logs",
    mixinStandardHelpOptions = true,
    description =
        "Print a guest's serial log (what it wrote to its serial console), from its host.")
public final class LogsCommand extends GuestCommand {
  @Option(
      names = "--tail",
      defaultValue = "-1",
      paramLabel = "N",
      description = "Only the last N lines (default: all).")
  int tail;

  @Option(
      names = {"-f", "--follow"},
      description = "Keep printing what the guest writes, until Ctrl-C.")
  boolean follow;

  @Override
  int run(GuestOnHost guest) throws CliException, InterruptedException {
    try (RemoteShell shell = connect(guest)) {
      RemoteProcess log = new GuestStreams(shell).serialLog(guest.guestDir(), tail, follow);
      RemoteErrors errors = new RemoteErrors(log);
      // Ctrl-C stops the JVM: closing the channel then ends the follower on the host too.
      Thread stop = new Thread(log::close, "logs-stop");
      Runtime.getRuntime().addShutdownHook(stop);
      try {
        copy(log.stdout(), System.out);
      } finally {
        removeHook(stop);
      }
      errors.check(log, guest.guest());
      log.close();
      return 0;
    } catch (HostException e) {
      throw failed(guest, e);
    }
  }

  private static void copy(InputStream from, OutputStream to) {
    byte[] buf = new byte[65536];
    try {
      int n;
      while ((n = from.read(buf)) >= 0) {
        to.write(buf, 0, n);
        to.flush();
      }
    } catch (IOException e) {
      // The channel ended: whether that was a failure, the exit status says.
    }
  }

  private static void removeHook(Thread hook) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // Already stopping: the hook runs.
    }
  }
}
