package dev.kvmop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Size limits that keep the production code readable: no file over 300 lines, no method over 50.
 * Works on the google-java-format layout Spotless enforces: a declaration that ends its line with
 * "{" and the first "}" line at the same indentation that closes it.
 */
class SourceLimitsTest {
  static final Path MAIN = Path.of("src/main/java");
  static final int MAX_FILE_LINES = 300;
  static final int MAX_METHOD_LINES = 50;

  private static final Pattern METHOD_START =
      Pattern.compile(
          "^( *)(@\\w+(\\([^)]*\\))? )*((public|protected|private|static|final|abstract|synchronized"
              + "|default|native) )*(<[^>]+> )?[\\w.<>\\[\\]][\\w.<>\\[\\], ?]* \\w+\\(.*");
  private static final Pattern NOT_A_METHOD =
      Pattern.compile(
          "^ *(return|new|throw|if|else|for|while|switch|case|try|catch|do|\\S+ record|record|class|interface|enum) .*");

  @Test
  void noFileOverTheLimit() throws IOException {
    List<String> over = new ArrayList<>();
    for (Path f : sources()) {
      long lines = Files.readAllLines(f).size();
      if (lines > MAX_FILE_LINES) {
        over.add(f + " " + lines);
      }
    }
    assertThat(over).as("files over " + MAX_FILE_LINES + " lines").isEmpty();
  }

  @Test
  void noMethodOverTheLimit() throws IOException {
    List<String> over = new ArrayList<>();
    for (Path f : sources()) {
      List<String> lines = Files.readAllLines(f);
      for (int i = 0; i < lines.size(); i++) {
        var m = METHOD_START.matcher(lines.get(i));
        if (!m.matches() || NOT_A_METHOD.matcher(lines.get(i)).matches()) {
          continue;
        }
        int open = declarationEnd(lines, i);
        if (open < 0) {
          continue;
        }
        int close = closing(lines, open, m.group(1));
        int length = close - i + 1;
        if (close > 0 && length > MAX_METHOD_LINES) {
          over.add(f + ":" + (i + 1) + " " + length + " lines");
        }
      }
    }
    assertThat(over).as("methods over " + MAX_METHOD_LINES + " lines").isEmpty();
  }

  /** The line whose "{" opens the body, or -1 for an abstract or interface method. */
  private static int declarationEnd(List<String> lines, int from) {
    for (int j = from; j < lines.size() && j < from + 12; j++) {
      String l = lines.get(j).stripTrailing();
      if (l.endsWith("{")) {
        return j;
      }
      if (l.endsWith("}")) {
        return -1;
      }
      if (l.endsWith(";")) {
        return -1;
      }
    }
    return -1;
  }

  private static int closing(List<String> lines, int open, String indent) {
    for (int j = open + 1; j < lines.size(); j++) {
      if (lines.get(j).equals(indent + "}")) {
        return j;
      }
    }
    return -1;
  }

  private static List<Path> sources() throws IOException {
    try (Stream<Path> s = Files.walk(MAIN)) {
      return s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
    }
  }
}
