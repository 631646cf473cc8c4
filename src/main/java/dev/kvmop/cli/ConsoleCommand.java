package dev.kvmop.cli;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.host.GuestStreams;
import dev.kvmop.host.HostException;
import dev.kvmop.host.RemoteProcess;
import dev.kvmop.host.RemoteShell;
import java.io.PrintStream;
import picocli.CommandLine.Command;

/** {@code console [-n NS] NAME}: the terminal on the guest's serial console; Ctrl-] detaches. */
@Command(
    name = "console",
    mixinStandardHelpOptions = true,
    description = {
      "Attach the terminal to a guest's serial console, over its host's SSH connection.",
      "Ctrl-] detaches (so does the end of input when stdin is not a terminal)."
    })
public final class ConsoleCommand extends GuestCommand {
  @Override
  void check(GuestOnHost guest) throws CliException {
    // Unknown: the operator lost touch with the host, and the qemu may well run: try.
    if (guest.phase() != GuestPhase.Running && guest.phase() != GuestPhase.Unknown) {
      String phase = guest.phase() == null ? "not reconciled yet" : "" + guest.phase();
      throw new CliException(
          "kvmguest " + guest.guest() + " is " + phase + ", not Running: no console to attach to");
    }
  }

  @Override
  int run(GuestOnHost guest) throws CliException, InterruptedException {
    PrintStream err = System.err;
    try (RemoteShell shell = connect(guest)) {
      RemoteProcess console = new GuestStreams(shell).console(guest.guestDir());
      RemoteErrors errors = new RemoteErrors(console);
      ConsoleSession.End end;
      try (RawTerminal terminal = RawTerminal.enter()) {
        // After raw mode is on, so that what is typed once this shows is never echoed locally;
        // raw mode also stops turning newlines into CR LF.
        err.print(
            "Attached to the serial console of kvmguest "
                + guest.guest()
                + "; Ctrl-] detaches.\r\n");
        err.flush();
        end = new ConsoleSession(System.in, System.out).attach(console);
      } finally {
        console.close();
      }
      if (end != ConsoleSession.End.CONSOLE_ENDED) {
        err.println();
        err.println("Detached from kvmguest " + guest.guest() + ".");
        return 0;
      }
      errors.check(console, guest.guest());
      err.println();
      err.println("The console of kvmguest " + guest.guest() + " closed: its qemu exited.");
      return 1;
    } catch (HostException e) {
      throw failed(guest, e);
    }
  }
}
