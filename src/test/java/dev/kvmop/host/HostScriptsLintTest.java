package dev.kvmop.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every script the operator runs on a host, linted: each file of the host resource directory by its
 * shebang ({@code sh -n} and shellcheck for /bin/sh, {@code perl -c} for perl), and the build
 * scripts that stay Java constants. Any finding fails, so a new script must either pass or carry a
 * {@code # shellcheck disable=...} comment that says why.
 */
class HostScriptsLintTest {
  static final Path RESOURCES = Path.of("src/main/resources/dev/kvmop/host");
  static final int MAX_LINE = 100;

  @TempDir Path tmp;

  @TestFactory
  Stream<DynamicTest> everyHostResourcePassesItsLinter() throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(RESOURCES)) {
      files = list.filter(Files::isRegularFile).sorted().toList();
    }
    assertThat(files)
        .extracting(p -> p.getFileName().toString())
        .contains("kvmop-guest", "kvmop-guest.pl", "qemu-ifup", "kvmop-facts", "kvmop-install");
    return files.stream()
        .map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> lint(f)));
  }

  @Test
  void buildScriptsPassShellcheck() throws Exception {
    Map<String, String> scripts =
        Map.of(
            "step",
            BuildPlan.STEP,
            "fetch",
            BuildPlan.FETCH,
            "verify",
            BuildPlan.VERIFY,
            "unpack",
            BuildPlan.UNPACK,
            "sync",
            BuildPlan.SYNC,
            "stamp",
            BuildPlan.STAMP);
    for (var e : scripts.entrySet()) {
      Path f = tmp.resolve(e.getKey());
      Files.writeString(f, "#!/bin/sh\n" + e.getValue() + "\n");
      lint(f);
    }
  }

  /** The linter must catch what it is here for, or the tests above prove nothing. */
  @Test
  void lintersReportBrokenScripts() throws Exception {
    Path sh = tmp.resolve("broken.sh");
    Files.writeString(sh, "#!/bin/sh\nif [ -n \"$1\" ]; then\n  echo $1\n");
    assertThat(run("sh", "-n", sh.toString()).code).isNotZero();
    Path unquoted = tmp.resolve("unquoted.sh");
    Files.writeString(unquoted, "#!/bin/sh\nrm -rf -- $1/guests\n");
    assertThat(run("shellcheck", unquoted.toString()).code).isNotZero();
    Path pl = tmp.resolve("broken.pl");
    Files.writeString(pl, "#!/usr/bin/perl\nuse strict;\n$x = 1;\n");
    assertThat(run("perl", "-c", pl.toString()).code).isNotZero();
  }

  static void lint(Path file) throws Exception {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      assertThat(lines.get(i).length())
          .as("%s:%d is longer than %d characters", file, i + 1, MAX_LINE)
          .isLessThanOrEqualTo(MAX_LINE);
    }
    String shebang = lines.isEmpty() ? "" : lines.get(0);
    switch (shebang) {
      case "#!/bin/sh" -> {
        Result syntax = run("sh", "-n", file.toString());
        assertThat(syntax.code).as("sh -n %s: %s", file, syntax.output).isZero();
        Result check = run("shellcheck", "--shell=sh", "--severity=style", file.toString());
        assertThat(check.code).as("shellcheck %s:%n%s", file, check.output).isZero();
      }
      case "#!/usr/bin/perl" -> {
        Result syntax = run("perl", "-c", file.toString());
        assertThat(syntax.code).as("perl -c %s: %s", file, syntax.output).isZero();
        assertThat(syntax.output.strip()).isEqualTo(file + " syntax OK");
      }
      default -> fail("%s: no #!/bin/sh or #!/usr/bin/perl line, so no linter checks it", file);
    }
  }

  record Result(int code, String output) {}

  static Result run(String... argv) throws Exception {
    List<String> command = new ArrayList<>(List.of(argv));
    Process p;
    try {
      p = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError(
          argv[0] + " is not installed (Debian: apt-get install " + argv[0] + ")", e);
    }
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", argv) + " did not finish");
    }
    return new Result(p.exitValue(), output);
  }
}
