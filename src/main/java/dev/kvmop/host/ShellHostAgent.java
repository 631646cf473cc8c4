package dev.kvmop.host;

import dev.kvmop.api.KvmHostStatus.HostFacts;
import java.time.Duration;
import java.util.List;

/** {@link HostAgent} over a {@link RemoteShell}: each verb is one argv command. */
public final class ShellHostAgent implements HostAgent {
  private static final Duration SHORT = Duration.ofSeconds(20);

  /**
   * Prints one key=value per fact. The cpuinfo path can be overridden through the remote
   * environment (KVMOP_CPUINFO) so test hosts can present vmx/svm; production hosts never set it.
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
      echo "bootId=$(cat /proc/sys/kernel/random/boot_id)"
      echo "qemuVersion=$("$1" --version 2>/dev/null | head -n 1)"
      echo "kvmModuleVersion=$(cat /sys/module/kvm/version 2>/dev/null)"
      """;

  /** Directories the operator owns below workDir. */
  static final List<String> LAYOUT = List.of("guests", "bin", "build", "log");

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
    runChecked("workdir", argv);
    // rmdir, not rm -r: workDir itself may hold files that are not ours.
    shell.run(new Command("workdir", List.of("rmdir", "--", workDir), SHORT));
  }

  @Override
  public HostProbe probeGuests(String workDir, String qemuBinary) throws HostException {
    throw notYet("probeGuests");
  }

  @Override
  public LaunchedProcess launch(GuestLaunch launch) throws HostException {
    throw notYet("launch");
  }

  @Override
  public void stop(String guestDir, String uuid, Duration grace) throws HostException {
    throw notYet("stop");
  }

  @Override
  public void reset(String guestDir) throws HostException {
    throw notYet("reset");
  }

  @Override
  public void removeGuestDir(String guestDir) throws HostException {
    throw notYet("removeGuestDir");
  }

  @Override
  public boolean tcpReachable(String address, int port) throws HostException {
    return shell.canConnect(address, port, Duration.ofSeconds(3));
  }

  private static HostException notYet(String verb) {
    return new HostException(HostException.Reason.CommandFailed, verb + " is not implemented yet");
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
}
