package dev.kvmop.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ShellQuoteTest {
  static final List<String> TRICKY =
      List.of(
          "plain",
          "",
          " ",
          "two words",
          "it's",
          "'",
          "''",
          "\"double\"",
          "back\\slash",
          "trailing\\",
          "new\nline",
          "\ttab",
          "; rm -rf /",
          "$(id)",
          "`id`",
          "${HOME}",
          "$HOME",
          "a && b || c | d > e < f",
          "*",
          "?",
          "~",
          "#not a comment",
          "-n",
          "--",
          "!history",
          "unicodé 日本語 😀",
          "\r\n");

  @Test
  void roundTripsThroughARealShell() throws Exception {
    assertThat(viaShell(TRICKY)).containsExactlyElementsOf(TRICKY);
  }

  @Test
  void quotesSingleElementsInSingleQuotes() {
    assertThat(ShellQuote.quote("it's")).isEqualTo("'it'\\''s'");
    assertThat(ShellQuote.join(List.of("echo", "a b"))).isEqualTo("'echo' 'a b'");
  }

  @Test
  void rejectsNul() {
    assertThatThrownBy(() -> ShellQuote.quote("a\0b")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> new Command("x", List.of("echo", "\0"), java.time.Duration.ZERO).commandLine())
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** printf '%s\0' prints each argument NUL-terminated, so empty and newline-only ones survive. */
  static List<String> viaShell(List<String> args) throws Exception {
    List<String> argv = new ArrayList<>(List.of("printf", "%s\\0"));
    argv.addAll(args);
    Process p = new ProcessBuilder("/bin/sh", "-c", ShellQuote.join(argv)).start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
    String text = new String(out, StandardCharsets.UTF_8);
    assertThat(text).endsWith("\0");
    return Arrays.asList(text.substring(0, text.length() - 1).split("\0", -1));
  }

  @Test
  void inputBecomesAQuotedHereDocumentThatCannotEndEarly() {
    assertThat(ShellQuote.hereDocument("meta-data aGk=\nuser-data eA=="))
        .isEqualTo(" <<'__kvmop_input_end'\nmeta-data aGk=\nuser-data eA==\n__kvmop_input_end\n");
    for (String bad : java.util.List.of("__kvmop_input_end", "x\u0000", "\u00e9", "a\rb")) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> ShellQuote.hereDocument(bad))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
