package dev.kvmop.host;

import java.time.Duration;

/** What a remote command did. */
public record CommandResult(int exitCode, String stdout, String stderr, Duration took) {
  public boolean ok() {
    return exitCode == 0;
  }

  /** The last {@code n} lines of stderr, or of stdout when stderr is empty, for messages. */
  public String tail(int n) {
    String text = stderr.isBlank() ? stdout : stderr;
    String[] lines = text.strip().split("\n");
    int from = Math.max(0, lines.length - n);
    return String.join("\n", java.util.Arrays.copyOfRange(lines, from, lines.length));
  }
}
