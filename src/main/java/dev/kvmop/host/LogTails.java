package dev.kvmop.host;

import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The last lines of a guest's serial.log and qemu.log, as text fit for an Event: invalid UTF-8
 * replaced, terminal escape sequences and control characters other than newline and tab removed.
 * Empty for a log that does not exist.
 */
public record LogTails(String serial, String qemu) {
  /** CSI and OSC sequences (colours, cursor moves, titles) and two-byte escapes. */
  private static final Pattern ESCAPES =
      Pattern.compile("\u001b(\\[[0-?]*[ -/]*[@-~]|\\][^\u0007\u001b]*(\u0007|\u001b\\\\)?|.)?");

  private static final Pattern CONTROLS = Pattern.compile("[\\p{Cntrl}&&[^\n\t]]");

  /** Parses the {@code tails} verb's output: a "name hex" line per log. */
  static LogTails parse(String stdout) {
    String serial = "";
    String qemu = "";
    for (String line : stdout.split("\n")) {
      String[] parts = line.strip().split(" ", 2);
      String text = parts.length == 2 ? text(parts[1]) : "";
      switch (parts[0]) {
        case "serial.log" -> serial = text;
        case "qemu.log" -> qemu = text;
        default -> {
          // Not ours: ignored.
        }
      }
    }
    return new LogTails(serial, qemu);
  }

  private static String text(String hex) {
    byte[] bytes;
    try {
      bytes = HexFormat.of().parseHex(hex.strip());
    } catch (IllegalArgumentException e) {
      return "";
    }
    return clean(decode(bytes));
  }

  private static String decode(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPLACE)
          .onUnmappableCharacter(CodingErrorAction.REPLACE)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new IllegalStateException("a replacing decoder does not throw", e);
    }
  }

  /** Removes escape sequences and control characters; keeps newlines and tabs. */
  static String clean(String text) {
    String noEscapes = ESCAPES.matcher(text).replaceAll("");
    return CONTROLS.matcher(noEscapes).replaceAll("").strip();
  }
}
