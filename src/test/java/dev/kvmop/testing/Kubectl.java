package dev.kvmop.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The real kubectl against a kubeconfig (the embedded API's). Needs kubectl on PATH. */
public final class Kubectl {
  /** What one kubectl run printed. */
  public record Result(int exit, String out, String err) {}

  private final Path kubeconfig;

  public Kubectl(Path kubeconfig) {
    this.kubeconfig = kubeconfig;
  }

  /** Fails with an install hint when kubectl is missing (make test installs it). */
  public static void requireInstalled() throws Exception {
    Result version = runRaw(List.of("kubectl", "version", "--client"));
    assertThat(version.exit())
        .as(
            "kubectl is required (Debian package kubernetes-client, installed by make test, or "
                + "https://kubernetes.io/docs/tasks/tools/): %s",
            version.err())
        .isZero();
  }

  public static Result runRaw(List<String> cmd) throws IOException, InterruptedException {
    Process p;
    try {
      p =
          new ProcessBuilder(cmd)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .start();
    } catch (IOException e) {
      return new Result(127, "", e.toString());
    }
    var out = p.getInputStream().readAllBytes();
    var err = p.getErrorStream().readAllBytes();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return new Result(
        p.exitValue(),
        new String(out, StandardCharsets.UTF_8),
        new String(err, StandardCharsets.UTF_8));
  }

  public List<String> command(String... args) {
    List<String> cmd = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  public Result run(String... args) throws Exception {
    return runRaw(command(args));
  }

  /** Runs kubectl and fails the test unless it exits 0; returns its stdout. */
  public String ok(String... args) throws Exception {
    Result r = run(args);
    assertThat(r.exit())
        .as("kubectl %s\nstdout: %s\nstderr: %s", String.join(" ", args), r.out(), r.err())
        .isZero();
    return r.out();
  }
}
