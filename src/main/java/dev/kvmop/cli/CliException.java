package dev.kvmop.cli;

/** Ends a command with one line on stderr and a non-zero exit code; never a stack trace. */
final class CliException extends Exception {
  CliException(String message) {
    super(oneLine(message), null, false, false);
  }

  /** The innermost cause of {@code e}, as "Type: message" on one line ("Type" without one). */
  static String rootCause(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String message = t.getMessage();
    String type = t.getClass().getSimpleName();
    return message == null || message.isBlank() ? type : type + ": " + oneLine(message);
  }

  /** The first line of {@code text}, for messages that must stay on one line. */
  static String oneLine(String text) {
    if (text == null || text.isBlank()) {
      return "(no message)";
    }
    return text.strip().lines().findFirst().orElse("").strip();
  }
}
