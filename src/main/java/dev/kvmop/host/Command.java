package dev.kvmop.host;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A remote command as argv elements. It reaches a shell only through {@link ShellQuote#join}, so no
 * element is ever interpreted by the remote shell.
 *
 * @param op short label for metrics and logs (probe, launch, facts, ...)
 * @param argv program and arguments
 * @param timeout how long the command may run before it is abandoned
 * @param input the command's standard input, or null for none: for data that must not show in a
 *     process's argv on the host (user-data); lines of printable ASCII (e.g. base64), see {@link
 *     ShellQuote#hereDocument}
 */
public record Command(String op, List<String> argv, Duration timeout, String input) {
  public Command {
    Objects.requireNonNull(op, "op");
    argv = List.copyOf(argv);
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("empty argv");
    }
    Objects.requireNonNull(timeout, "timeout");
    if (input != null) {
      ShellQuote.checkInput(input);
    }
  }

  /** A command without input. */
  public Command(String op, List<String> argv, Duration timeout) {
    this(op, argv, timeout, null);
  }

  /** The command line the remote shell receives. */
  public String commandLine() {
    return ShellQuote.join(argv);
  }
}
