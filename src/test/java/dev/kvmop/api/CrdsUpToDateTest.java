package dev.kvmop.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The committed crds/ must equal what the build generates from the api/ classes. */
class CrdsUpToDateTest {
  static final Path GENERATED = Path.of("target", "generated-crds");
  static final Path COMMITTED = Path.of("crds");

  @Test
  void committedCrdsMatchGenerated() throws IOException {
    List<String> names = names(GENERATED);
    assertThat(names).as("generated CRDs").isNotEmpty();
    assertThat(names(COMMITTED)).as("crds/ files (run `make crds`)").isEqualTo(names);
    for (String name : names) {
      assertThat(Files.readString(COMMITTED.resolve(name)))
          .as("crds/%s is stale: run `make crds` and commit", name)
          .isEqualTo(Files.readString(GENERATED.resolve(name)));
    }
  }

  private static List<String> names(Path dir) throws IOException {
    try (var files = Files.list(dir)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".yml"))
          .sorted()
          .toList();
    }
  }
}
