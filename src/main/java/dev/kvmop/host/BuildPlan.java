package dev.kvmop.host;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The steps of a kvm build from source (pure; no I/O). Every step is an argv: constant scripts take
 * their inputs as {@code "$1"...} parameters, so no spec string is ever part of shell text. Each
 * tool runs under coreutils {@code timeout}, so a step that overruns is stopped on the host too.
 *
 * <p>Layout: {@code <workDir>/build/<stamp[0..16]>/} holds {@code source.tar} (when fetched) and
 * {@code src/} (the unpacked tree); {@code <workDir>/build/stamp} holds the stamp of the last
 * complete build.
 */
public final class BuildPlan {
  public static final Duration FETCH_TIMEOUT = Duration.ofMinutes(10);
  static final Duration SHORT_STEP = Duration.ofMinutes(5);

  /** Runs "$3..." in directory "$1" with timeout "$2" seconds, stderr merged into stdout. */
  static final String STEP =
      "d=$1; t=$2; shift 2; cd -- \"$d\" || exit 1; exec timeout -k 10 \"$t\" \"$@\" 2>&1";

  /** Downloads "$3" to "$2" with curl or wget, whichever exists, into a fresh build dir "$1". */
  static final String FETCH =
      """
      set -e
      rm -rf -- "$1"
      # shellcheck disable=SC2174 # build/ exists: only the build directory itself is new
      mkdir -p -m 0750 -- "$1"
      if command -v curl >/dev/null 2>&1; then
        curl -fsSL --max-redirs 5 -o "$2.part" --url "$3"
      elif command -v wget >/dev/null 2>&1; then
        wget -q -O "$2.part" -- "$3"
      else
        echo "neither curl nor wget is installed on the host" >&2; exit 127
      fi
      mv -f -- "$2.part" "$2"
      """;

  /** Checks the sha256 of "$1" against "$2"; a downloaded file "$3" (may be empty) is removed. */
  static final String VERIFY =
      """
      sum=$(sha256sum -- "$1" | cut -d ' ' -f 1) || exit 1
      if [ "$sum" != "$2" ]; then
        echo "sha256 mismatch for $1: got $sum, expected $2" >&2
        [ -z "$3" ] || rm -f -- "$3"
        exit 1
      fi
      echo "sha256 ok: $sum"
      """;

  /**
   * Unpacks tarball "$2" (gz, bz2 or xz: tar detects it) below build dir "$1" and moves the tree
   * that holds ./configure (top level, or the single directory below it) to "$1/src".
   */
  static final String UNPACK =
      """
      set -e
      # shellcheck disable=SC2174 # build/ exists: only the build directory itself is new
      mkdir -p -m 0750 -- "$1"
      rm -rf -- "$1/unpack" "$1/src"
      mkdir -- "$1/unpack"
      tar -xf "$2" -C "$1/unpack"
      if [ -f "$1/unpack/configure" ]; then
        mv -- "$1/unpack" "$1/src"
        exit 0
      fi
      b=$1
      set -- "$1"/unpack/*/configure
      if [ "$#" -eq 1 ] && [ -f "$1" ]; then
        mv -- "${1%/configure}" "$b/src"
        rm -rf -- "$b/unpack"
        exit 0
      fi
      echo "the tarball holds no configure script (neither at the top nor one directory down)" >&2
      exit 1
      """;

  /** Fails clearly when the sync kernel dir "$1" is missing, then runs "$2..." ("make ..."). */
  static final String SYNC =
      """
      if [ ! -d "$1" ]; then echo "syncKernelDir $1 does not exist on the host" >&2; exit 1; fi
      shift
      exec "$@"
      """;

  /** Records stamp "$2" in "$1" atomically. */
  static final String STAMP = "printf '%s\\n' \"$2\" > \"$1.tmp\" && mv -f -- \"$1.tmp\" \"$1\"";

  private BuildPlan() {}

  /** What to build. */
  public record Request(
      String workDir,
      String url,
      String hostPath,
      String sha256,
      List<String> configureFlags,
      String syncKernelDir,
      int jobs,
      Duration configureTimeout,
      Duration makeTimeout,
      boolean insertModules) {
    public Request {
      configureFlags = List.copyOf(configureFlags);
      syncKernelDir = syncKernelDir == null ? "" : syncKernelDir;
    }

    /** sha256 of the source (lower case) plus everything that changes the built modules. */
    public String stamp() {
      StringBuilder s = new StringBuilder("kvmop-build-v1\n").append(sha256.toLowerCase());
      for (String f : configureFlags) {
        s.append('\n').append("flag=").append(f);
      }
      s.append("\nsync=").append(syncKernelDir).append("\ninsert=").append(insertModules);
      return sha256Hex(s.toString());
    }

    public String buildDir() {
      return BuildPlan.workDir(workDir) + "/build/" + stamp().substring(0, 16);
    }

    public String sourceDir() {
      return buildDir() + "/src";
    }
  }

  static String workDir(String workDir) {
    return workDir.replaceAll("/+$", "");
  }

  /** Where the stamp of the last complete build is kept. */
  public static String stampFile(String workDir) {
    return workDir(workDir) + "/build/stamp";
  }

  /** The qemu built in the kvm tree of the build with {@code stamp}. */
  public static String qemuBinary(String workDir, String stamp) {
    return workDir(workDir)
        + "/build/"
        + stamp.substring(0, 16)
        + "/src/qemu/x86_64-softmmu/qemu-system-x86_64";
  }

  /** The built module file of {@code module} (kvm, kvm_intel, kvm_amd). */
  public static String moduleFile(Request r, String module) {
    return r.sourceDir() + "/kernel/" + module.replace('_', '-') + ".ko";
  }

  /** The steps in order. {@code hostCpus} sizes make -j when jobs is 0. */
  public static List<BuildStep> steps(Request r, int hostCpus) {
    List<BuildStep> steps = new ArrayList<>();
    String b = r.buildDir();
    String tarball;
    if (r.url() != null && !r.url().isBlank()) {
      tarball = b + "/source.tar";
      steps.add(script("Fetch", FETCH_TIMEOUT, "/", FETCH, b, tarball, r.url()));
      steps.add(
          script("Verify", SHORT_STEP, "/", VERIFY, tarball, r.sha256().toLowerCase(), tarball));
    } else {
      tarball = r.hostPath();
      steps.add(script("Verify", SHORT_STEP, "/", VERIFY, tarball, r.sha256().toLowerCase(), ""));
    }
    steps.add(script("Unpack", SHORT_STEP, "/", UNPACK, b, tarball));
    String src = r.sourceDir();
    steps.add(step("Clean", SHORT_STEP, src, true, List.of("make", "clean")));
    List<String> configure = new ArrayList<>(List.of("./configure"));
    configure.addAll(r.configureFlags());
    if (!r.insertModules()) {
      configure.add("--with-patched-kernel");
    }
    steps.add(step("Configure", r.configureTimeout(), src, false, configure));
    if (!r.syncKernelDir().isEmpty()) {
      steps.add(
          step(
              "Sync",
              r.makeTimeout(),
              src,
              false,
              List.of(
                  "sh",
                  "-c",
                  SYNC,
                  "kvmop-sync",
                  r.syncKernelDir(),
                  "make",
                  "-C",
                  "kernel",
                  "sync",
                  "LINUX=" + r.syncKernelDir())));
    }
    int jobs = r.jobs() > 0 ? r.jobs() : Math.max(1, 2 * hostCpus);
    steps.add(step("Make", r.makeTimeout(), src, false, List.of("make", "-j" + jobs)));
    steps.add(script("Stamp", SHORT_STEP, "/", STAMP, stampFile(r.workDir()), r.stamp()));
    return steps;
  }

  private static BuildStep script(
      String name, Duration timeout, String dir, String script, String... args) {
    List<String> argv = new ArrayList<>(List.of("sh", "-c", script, "kvmop-" + name.toLowerCase()));
    argv.addAll(List.of(args));
    return step(name, timeout, dir, false, argv);
  }

  private static BuildStep step(
      String name, Duration timeout, String dir, boolean ignoreFailure, List<String> command) {
    List<String> argv =
        new ArrayList<>(
            List.of("sh", "-c", STEP, "kvmop-step", dir, Long.toString(timeout.toSeconds())));
    argv.addAll(command);
    return new BuildStep(name, argv, timeout, ignoreFailure);
  }

  public static String sha256Hex(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
