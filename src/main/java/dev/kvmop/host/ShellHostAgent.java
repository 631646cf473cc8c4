package dev.kvmop.host;

import dev.kvmop.api.KvmHostStatus.HostFacts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link HostAgent} over a {@link RemoteShell}: each verb is one argv command. The guest verbs run
 * the helper script {@code <workDir>/bin/kvmop-guest} (see {@link GuestScript}), installed once per
 * connection when its sha256 differs.
 */
public final class ShellHostAgent implements HostAgent {
  private static final Duration SHORT = Duration.ofSeconds(20);
  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(20);
  static final Duration LAUNCH_TIMEOUT = Duration.ofSeconds(30);
  static final Duration RESET_TIMEOUT = Duration.ofSeconds(10);

  /**
   * Prints one key=value per fact. The cpuinfo and boot id paths can be overridden through the
   * remote environment (KVMOP_CPUINFO, KVMOP_BOOT_ID_FILE) so test hosts can present vmx/svm or a
   * reboot; production hosts never set them.
   */
  static final String FACTS_SCRIPT =
      """
      cpuinfo=${KVMOP_CPUINFO:-/proc/cpuinfo}
      echo "kernel=$(uname -r)"
      echo "arch=$(uname -m)"
      echo "cpuVendor=$(sed -n 's/^vendor_id[[:space:]]*:[[:space:]]*//p' "$cpuinfo" | head -n 1)"
      flags=" $(grep -m 1 '^flags' "$cpuinfo" | sed 's/^[^:]*://') "
      case "$flags" in *" vmx "*) v=vmx ;; *" svm "*) v=svm ;; *) v=none ;; esac
      echo "virtualization=$v"
      if [ -c /dev/kvm ]; then echo kvmDevice=true; else echo kvmDevice=false; fi
      echo "cpus=$(getconf _NPROCESSORS_ONLN 2>/dev/null || grep -c '^processor' "$cpuinfo")"
      echo "memKiB=$(sed -n 's/^MemTotal:[[:space:]]*\\([0-9]*\\).*/\\1/p' /proc/meminfo)"
      echo "bootId=$(cat -- "${KVMOP_BOOT_ID_FILE:-/proc/sys/kernel/random/boot_id}")"
      echo "qemuVersion=$("$1" --version 2>/dev/null | head -n 1)"
      echo "kvmModuleVersion=$(cat /sys/module/kvm/version 2>/dev/null)"
      """;

  /** Directories the operator owns below workDir. */
  static final List<String> LAYOUT = List.of("guests", "bin", "build", "log");

  /** Files the operator owns directly in workDir. */
  static final List<String> FILES = List.of("qemu-ifup", "qemu-ifup.bridge");

  /**
   * Prints the module list. The path can be overridden through the remote environment
   * (KVMOP_PROC_MODULES) so test hosts can present modules; production hosts never set it.
   */
  static final String MODULES_SCRIPT = "cat -- \"${KVMOP_PROC_MODULES:-/proc/modules}\"";

  /** The qemu-ifup script: constant text; the bridge comes from the file next to it. */
  static final String IFUP =
      """
      #!/bin/sh
      # Written by kvm-operator. qemu runs it with the tap device as $1; it brings the tap up and
      # adds it to the bridge named in qemu-ifup.bridge next to this script.
      set -e
      tap=$1
      bridge=$(cat -- "$(dirname -- "$0")/qemu-ifup.bridge")
      if command -v ip >/dev/null 2>&1; then
        ip link set dev "$tap" up
        ip link set dev "$tap" master "$bridge"
      else
        ifconfig "$tap" 0.0.0.0 up
        brctl addif "$bridge" "$tap"
      fi
      """;

  /**
   * Writes "$2" to "$1" with mode "$3" and "$5" to "$4" with mode "$6", each unless it already
   * holds exactly that (then only the mode is set).
   */
  static final String WRITE_FILES =
      """
      write() {
        if [ -f "$1" ] && [ "$(cat -- "$1"; echo x)" = "$(printf '%s' "$2"; echo x)" ]; then
          chmod "$3" -- "$1"; return
        fi
        printf '%s' "$2" > "$1.tmp.$$" && chmod "$3" -- "$1.tmp.$$" && mv -f -- "$1.tmp.$$" "$1"
      }
      write "$1" "$2" "$3" && write "$4" "$5" "$6"
      """;

  static final String BRIDGE_SCRIPT = "[ -d \"/sys/class/net/$1/bridge\" ]";

  private final RemoteShell shell;

  public ShellHostAgent(RemoteShell shell) {
    this.shell = shell;
  }

  @Override
  public HostFacts probeFacts(String qemuBinary) throws HostException {
    CommandResult r =
        runChecked("facts", List.of("sh", "-c", FACTS_SCRIPT, "kvmop-facts", qemuBinary));
    return FactsParser.parse(r.stdout());
  }

  @Override
  public void ensureWorkDir(String workDir) throws HostException {
    List<String> argv = new java.util.ArrayList<>(List.of("mkdir", "-p", "-m", "0750", "--"));
    LAYOUT.forEach(d -> argv.add(workDir + "/" + d));
    runChecked("workdir", argv);
  }

  @Override
  public void removeWorkDir(String workDir) throws HostException {
    List<String> argv = new java.util.ArrayList<>(List.of("rm", "-rf", "--"));
    LAYOUT.forEach(d -> argv.add(workDir + "/" + d));
    FILES.forEach(f -> argv.add(workDir + "/" + f));
    runChecked("workdir", argv);
    GuestScript.forget(shell, scriptPath(workDir));
    // rmdir, not rm -r: workDir itself may hold files that are not ours.
    shell.run(new Command("workdir", List.of("rmdir", "--", workDir), SHORT));
  }

  @Override
  public HostProbe probeGuests(String workDir, String qemuBinary) throws HostException {
    CommandResult r =
        runGuestVerb(workDir, "probe", PROBE_TIMEOUT, List.of("probe", workDir, qemuBinary));
    return ProbeParser.parse(r.stdout());
  }

  @Override
  public LaunchedProcess launch(GuestLaunch launch) throws HostException {
    List<String> args = new ArrayList<>(List.of("launch", launch.guestDir(), launch.uuid(), "--"));
    args.addAll(launch.argv());
    CommandResult r = runGuestVerb(workDirOf(launch.guestDir()), "launch", LAUNCH_TIMEOUT, args);
    try {
      return LaunchParser.parse(r.stdout());
    } catch (IllegalArgumentException e) {
      throw new HostException(HostException.Reason.CommandFailed, e.getMessage(), e);
    }
  }

  @Override
  public void stop(String guestDir, String uuid, Duration grace) throws HostException {
    long seconds = Math.max(0, (grace.toMillis() + 999) / 1000);
    runGuestVerb(
        workDirOf(guestDir),
        "stop",
        stopTimeout(grace),
        List.of("stop", guestDir, uuid, Long.toString(seconds)));
  }

  /**
   * How long a stop may take: the grace period, then up to 3 s for the QMP powerdown, 5 s for the
   * directory lock, 5 s after SIGTERM and 5 s after SIGKILL, plus slack for the round trip.
   */
  static Duration stopTimeout(Duration grace) {
    long seconds = Math.max(0, (grace.toMillis() + 999) / 1000);
    return Duration.ofSeconds(seconds + 25);
  }

  @Override
  public void reset(String guestDir) throws HostException {
    runGuestVerb(workDirOf(guestDir), "reset", RESET_TIMEOUT, List.of("reset", guestDir));
  }

  @Override
  public void removeGuestDir(String guestDir) throws HostException {
    runGuestVerb(workDirOf(guestDir), "remove", SHORT, List.of("remove", guestDir));
  }

  /**
   * The workDir of a guest directory {@code <workDir>/guests/<leaf>}; anything else is refused here
   * already, before the host script refuses it again.
   */
  static String workDirOf(String guestDir) throws HostException {
    int i = guestDir == null ? -1 : guestDir.lastIndexOf("/guests/");
    String leaf = i < 0 ? "" : guestDir.substring(i + "/guests/".length());
    if (i <= 0
        || !guestDir.startsWith("/")
        || leaf.isEmpty()
        || leaf.contains("/")
        || leaf.equals(".")
        || leaf.equals("..")
        || guestDir.contains("/../")
        || guestDir.contains("/./")
        || guestDir.contains("//")) {
      throw new HostException(
          HostException.Reason.CommandFailed,
          "not a guest directory (<workDir>/guests/<name>): " + guestDir);
    }
    return guestDir.substring(0, i);
  }

  /** Path of the helper script on the host. */
  static String scriptPath(String workDir) {
    return workDir.replaceAll("/+$", "") + "/bin/" + GuestScript.NAME;
  }

  /**
   * Runs one subcommand of the helper script, installing the script first if this connection has
   * not verified it yet. A missing script (deleted behind our back: exit 126/127) is reinstalled
   * once.
   */
  private CommandResult runGuestVerb(String workDir, String op, Duration timeout, List<String> args)
      throws HostException {
    String script = scriptPath(workDir);
    List<String> argv = new ArrayList<>(args.size() + 1);
    argv.add(script);
    argv.addAll(args);
    ensureScript(workDir, script);
    CommandResult r = shell.run(new Command(op, argv, timeout));
    if (r.exitCode() == 126 || r.exitCode() == 127) {
      GuestScript.forget(shell, script);
      ensureScript(workDir, script);
      r = shell.run(new Command(op, argv, timeout));
    }
    if (r.exitCode() > 128) {
      // The helper fails with exit 1 on its own; a signal ended it (its session hung up, it was
      // killed), so whether the verb took effect is unknown: retry it, do not count a failure.
      throw new HostException(
          HostException.Reason.Unreachable,
          op + " ended by signal " + (r.exitCode() - 128) + "; whether it took effect is unknown");
    }
    if (!r.ok()) {
      throw new HostException(
          HostException.Reason.CommandFailed,
          op + " failed (exit " + r.exitCode() + "): " + r.tail(8));
    }
    return r;
  }

  private void ensureScript(String workDir, String script) throws HostException {
    if (GuestScript.verified(shell, script)) {
      return;
    }
    CommandResult check =
        shell.run(new Command("script", List.of("sha256sum", "--", script), SHORT));
    if (!(check.ok() && check.stdout().startsWith(GuestScript.sha256() + " "))) {
      runChecked(
          "script",
          List.of(
              "sh",
              "-c",
              "mkdir -p -m 0750 -- \"$3\" && printf '%s' \"$1\" | base64 -d > \"$2.tmp.$$\""
                  + " && chmod 0755 \"$2.tmp.$$\" && mv -f -- \"$2.tmp.$$\" \"$2\"",
              "kvmop-install",
              GuestScript.base64(),
              script,
              workDir.replaceAll("/+$", "") + "/bin"));
    }
    GuestScript.markVerified(shell, script);
  }

  @Override
  public boolean tcpReachable(String address, int port) throws HostException {
    return shell.canConnect(address, port, Duration.ofSeconds(3));
  }

  @Override
  public String hostKeyFingerprint() {
    return shell.hostKeyFingerprint();
  }

  private CommandResult runChecked(String op, List<String> argv) throws HostException {
    CommandResult r = shell.run(new Command(op, argv, SHORT));
    if (!r.ok()) {
      throw new HostException(
          HostException.Reason.CommandFailed,
          op + " failed (exit " + r.exitCode() + "): " + r.tail(5));
    }
    return r;
  }

  @Override
  public java.util.Map<String, Integer> loadedModules() throws HostException {
    return ProcModules.parse(
        runChecked("modules", List.of("sh", "-c", MODULES_SCRIPT, "kvmop-modules")).stdout());
  }

  @Override
  public void modprobe(List<String> modules) throws HostException {
    List<String> argv = new ArrayList<>(List.of("modprobe", "-a"));
    argv.addAll(modules);
    runChecked("modprobe", argv);
  }

  @Override
  public String moduleVersion(String module) throws HostException {
    CommandResult r =
        shell.run(new Command("modinfo", List.of("modinfo", "-F", "version", module), SHORT));
    String v = r.ok() ? r.stdout().strip() : "";
    return v.isEmpty() ? null : v.lines().findFirst().orElse(null);
  }

  @Override
  public void insmod(String path) throws HostException {
    runChecked("insmod", List.of("insmod", path));
  }

  @Override
  public void rmmod(String module) throws HostException {
    runChecked("rmmod", List.of("rmmod", module));
  }

  @Override
  public void writeIfupScript(String workDir, String bridge) throws HostException {
    String dir = workDir.replaceAll("/+$", "");
    // Written once per connection (and bridge); a changed bridge or a new connection rewrites it.
    String key = ifupKey(dir, bridge);
    if (GuestScript.verified(shell, key)) {
      return;
    }
    runChecked(
        "ifup",
        List.of(
            "sh",
            "-c",
            WRITE_FILES,
            "kvmop-write",
            dir + "/qemu-ifup.bridge",
            bridge + "\n",
            "0644",
            dir + "/qemu-ifup",
            IFUP,
            "0755"));
    GuestScript.markVerified(shell, key);
  }

  private static String ifupKey(String dir, String bridge) {
    return dir + "/qemu-ifup\0" + bridge;
  }

  @Override
  public boolean bridgeExists(String bridge) throws HostException {
    CommandResult r =
        shell.run(
            new Command(
                "bridge", List.of("sh", "-c", BRIDGE_SCRIPT, "kvmop-bridge", bridge), SHORT));
    return r.ok();
  }

  @Override
  public String sha256(String path) throws HostException {
    CommandResult r =
        shell.run(new Command("sha256", List.of("sha256sum", "--", path), BuildPlan.SHORT_STEP));
    if (!r.ok()) {
      throw new BuildException("Verify", "cannot read " + path + ": " + r.tail(5), r.tail(5));
    }
    return r.stdout().strip().split("\\s+")[0];
  }

  @Override
  public String buildStamp(String workDir) throws HostException {
    CommandResult r =
        shell.run(new Command("stamp", List.of("cat", "--", BuildPlan.stampFile(workDir)), SHORT));
    String s = r.ok() ? r.stdout().strip() : "";
    return s.isEmpty() ? null : s;
  }

  /** Output lines kept for the failure message. */
  static final int TAIL_LINES = 50;

  @Override
  public void runBuildStep(BuildStep step) throws HostException {
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
    return String.join("\n", java.util.Arrays.copyOfRange(lines, from, lines.length));
  }
}
