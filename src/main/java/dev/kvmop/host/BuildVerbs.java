package dev.kvmop.host;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/** The verbs of building kvm from source: checksums, the build stamp, one build step. */
final class BuildVerbs {
  private static final Duration SHORT = Duration.ofSeconds(20);

  private final RemoteShell shell;

  BuildVerbs(RemoteShell shell) {
    this.shell = shell;
  }

  String sha256(String path) throws HostException {
    CommandResult r =
        shell.run(new Command("sha256", List.of("sha256sum", "--", path), BuildPlan.SHORT_STEP));
    if (!r.ok()) {
      throw new BuildException("Verify", "cannot read " + path + ": " + r.tail(5), r.tail(5));
    }
    return r.stdout().strip().split("\\s+")[0];
  }

  String stamp(String workDir) throws HostException {
    CommandResult r =
        shell.run(new Command("stamp", List.of("cat", "--", BuildPlan.stampFile(workDir)), SHORT));
    String s = r.ok() ? r.stdout().strip() : "";
    return s.isEmpty() ? null : s;
  }

  /** Output lines kept for the failure message. */
  static final int TAIL_LINES = 50;

  void run(BuildStep step) throws HostException {
    CommandResult r;
    try {
      r =
          shell.runOnOwnChannel(
              new Command(
                  "build-" + step.name().toLowerCase(),
                  step.argv(),
                  step.timeout().plusSeconds(30)));
    } catch (HostException e) {
      if (e.reason() == HostException.Reason.Timeout) {
        throw new BuildException(
            step.name(),
            step.name() + " did not finish within " + step.timeout().toSeconds() + " s",
            "");
      }
      throw e;
    }
    if (r.ok() || step.ignoreFailure()) {
      return;
    }
    String tail = tail(r.stdout() + (r.stderr().isBlank() ? "" : "\n" + r.stderr()), TAIL_LINES);
    String what =
        r.exitCode() == 124 || r.exitCode() == 137
            ? "timed out after " + step.timeout().toSeconds() + " s"
            : "failed (exit " + r.exitCode() + ")";
    throw new BuildException(step.name(), step.name() + " " + what, tail);
  }

  static String tail(String text, int n) {
    String[] lines = text.strip().split("\n");
    int from = Math.max(0, lines.length - n);
    return String.join("\n", Arrays.copyOfRange(lines, from, lines.length));
  }
}
