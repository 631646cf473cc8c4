package dev.kvmop.controller.guest.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The guest lifecycle runs without an operator: no JOSDK type in it (the reconciler hands it a
 * status sink and a clock), and it does not reach back into the wiring package above it.
 */
class LifecycleImportsTest {
  private static final Path SOURCES = Path.of("src/main/java/dev/kvmop/controller/guest/lifecycle");
  private static final Pattern FORBIDDEN =
      Pattern.compile("io\\.javaoperatorsdk|dev\\.kvmop\\.controller\\.guest\\.[A-Z]");

  @Test
  void noJosdkAndNoWiringInTheLifecycle() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(SOURCES)) {
      files = s.filter(p -> p.toString().endsWith(".java")).toList();
    }
    assertThat(files).hasSizeGreaterThan(10);
    for (Path f : files) {
      assertThat(FORBIDDEN.matcher(Files.readString(f)).find()).as(f.toString()).isFalse();
    }
  }
}
