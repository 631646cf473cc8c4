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
}
