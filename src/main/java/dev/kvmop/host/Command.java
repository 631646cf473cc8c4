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
 */
public record Command(String op, List<String> argv, Duration timeout) {
  public Command {
    Objects.requireNonNull(op, "op");
    argv = List.copyOf(argv);
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("empty argv");
    }
    Objects.requireNonNull(timeout, "timeout");
  }

  /** The command line the remote shell receives. */
  public String commandLine() {
    return ShellQuote.join(argv);
  }
}
