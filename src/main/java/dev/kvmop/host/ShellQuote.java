package dev.kvmop.host;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The one place where argv elements become shell text. Every element is wrapped in single quotes,
 * with embedded single quotes written as {@code '\''}; inside single quotes a POSIX shell
 * interprets nothing, so {@code ; $ ` \ " newline} and non-ASCII bytes arrive literally.
 */
public final class ShellQuote {
  private ShellQuote() {}

  public static String quote(String element) {
    if (element.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("argv element contains NUL");
    }
    return "'" + element.replace("'", "'\\''") + "'";
  }

  public static String join(List<String> argv) {
    return argv.stream().map(ShellQuote::quote).collect(Collectors.joining(" "));
  }

  /**
   * A here-document that gives {@code input} to the command before it as its standard input, for a
   * shell that reads commands from its own stdin: {@code <<'END'}, the lines, the end line. The
   * quoted delimiter means the shell expands nothing in the lines; the delimiter cannot occur in
   * them ({@link #checkInput} allows no underscore). The text ends with a newline, so whatever
   * follows starts a new line.
   */
  public static String hereDocument(String input) {
    checkInput(input);
    return " <<'" + HERE_END + "'\n" + input + (input.endsWith("\n") ? "" : "\n") + HERE_END + "\n";
  }

  /** Input lines may hold printable ASCII except {@code _} (so never the delimiter), and tabs. */
  static void checkInput(String input) {
    for (int i = 0; i < input.length(); i++) {
      char c = input.charAt(i);
      if (c != '\n' && c != '\t' && (c < 0x20 || c > 0x7e || c == '_')) {
        throw new IllegalArgumentException("command input holds a character other than ASCII text");
      }
    }
  }

  private static final String HERE_END = "__kvmop_input_end";
}
