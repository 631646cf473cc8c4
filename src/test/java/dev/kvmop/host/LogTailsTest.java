package dev.kvmop.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class LogTailsTest {
  static String hex(byte[] b) {
    return HexFormat.of().formatHex(b);
  }

  static String hex(String s) {
    return hex(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void parsesBothLogsAndTreatsAMissingOneAsEmpty() {
    LogTails t = LogTails.parse("serial.log " + hex("boot\nready\n") + "\nqemu.log \n");
    assertThat(t.serial()).isEqualTo("boot\nready");
    assertThat(t.qemu()).isEmpty();
  }

  @Test
  void escapesAndControlCharactersGoAndInvalidUtf8IsReplaced() {
    String colours =
        "\u001b[1;31mKernel panic\u001b[0m\r\n\u001b]0;title\u0007tab\there\u0000\u0008";
    byte[] invalid = {'a', (byte) 0xff, 'b'};
    LogTails t = LogTails.parse("serial.log " + hex(colours) + "\nqemu.log " + hex(invalid) + "\n");
    assertThat(t.serial()).isEqualTo("Kernel panic\ntab\there");
    assertThat(t.qemu()).isEqualTo("a\ufffdb");
  }

  @Test
  void garbageIsIgnored() {
    assertThat(LogTails.parse("serial.log zz\nother 00\n")).isEqualTo(new LogTails("", ""));
  }
}
