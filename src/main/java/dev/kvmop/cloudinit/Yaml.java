package dev.kvmop.cloudinit;

/**
 * The little YAML this package writes: double-quoted scalars, which read back as exactly the text.
 */
final class Yaml {
  private Yaml() {}

  /** A double-quoted YAML scalar (JSON string syntax, which YAML 1.2 and 1.1 both read). */
  static String quoted(String value) {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\t' -> sb.append("\\t");
        case '\r' -> sb.append("\\r");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            sb.append(String.format("\\x%02x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }
}
