package dev.kvmop.api;

/** How a user-supplied spec value appears in a condition message or an Event. */
public final class SpecText {
  private static final int SHOWN = 64;

  private SpecText() {}

  /**
   * The value in double quotes, cut short and with control characters escaped, so a hostile or
   * multi-line value cannot forge message text.
   */
  public static String quoted(String value) {
    if (value == null) {
      return "null";
    }
    String shown = value.length() > SHOWN ? value.substring(0, SHOWN) + "..." : value;
    StringBuilder sb = new StringBuilder("\"");
    for (char c : shown.toCharArray()) {
      if (c < 0x20 || c == 0x7f) {
        sb.append(String.format("\\x%02x", (int) c));
      } else if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else {
        sb.append(c);
      }
    }
    return sb.append('"').toString();
  }
}
