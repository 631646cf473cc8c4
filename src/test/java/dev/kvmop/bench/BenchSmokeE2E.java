package dev.kvmop.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kvmop.testing.E2EEnvironment;
import dev.kvmop.testing.OpenSshServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark program runs at tiny N and prints its table. No timing is asserted: figures come
 * only from `make bench` on an idle machine.
 */
class BenchSmokeE2E {
  @TempDir Path tmp;

  @Test
  void printsAndAppendsTheTable() throws Exception {
    assumeTrue(OpenSshServer.available(), "no /usr/sbin/sshd");
    assumeTrue(Files.isExecutable(Path.of(E2EEnvironment.QEMU)), "no qemu");
    Path out = tmp.resolve("benchmarks.md");
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    String section =
        Bench.run(
            new String[] {
              "--scenarios", "B1,B4",
              "--repeat", "1",
              "--hosts", "1",
              "--b1-guests", "2",
              "--b4-commands", "5",
              "--b4-fresh", "3",
              "--out", out.toString()
            },
            new PrintStream(buf, true, StandardCharsets.UTF_8));
    String printed = buf.toString(StandardCharsets.UTF_8);

    assertThat(printed).contains("| Scenario | Figure | Median | Runs | Target | Reached |");
    assertThat(section)
        .contains("Non-standard parameters")
        .contains("| B1 | creation→Running p50 |")
        .contains("| B4 | persistent shell median")
        .doesNotContain("failed");
    assertThat(Files.readString(out)).contains(section);
  }
}
