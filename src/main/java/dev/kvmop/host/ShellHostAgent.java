package dev.kvmop.host;

import dev.kvmop.api.KvmHostStatus.HostFacts;
import dev.kvmop.net.DhcpLease;
import dev.kvmop.net.NetworkSetup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@link HostAgent} over a {@link RemoteShell}: each verb is one argv command. The guest, module
 * list and qemu-ifup verbs run the helper {@code <workDir>/bin/kvmop-guest}, the network verbs
 * {@code kvmop-net} (see {@link HelperVerbs}, {@link NetworkVerbs}); the facts script is sent
 * inline, since it runs before workDir exists.
 */
public final class ShellHostAgent implements HostAgent {
  private static final Duration SHORT = Duration.ofSeconds(20);
  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(20);
  static final Duration LAUNCH_TIMEOUT = Duration.ofSeconds(30);
  static final Duration RESET_TIMEOUT = Duration.ofSeconds(10);

  /** Prints one key=value per fact; sent inline, since it runs before workDir exists. */
  static final HostScript FACTS = HostScript.resource("kvmop-facts", null);

  /** Claims and releases workDir for one KvmHost; sent inline, it runs before the helpers. */
  static final HostScript WORKDIR = HostScript.resource("kvmop-workdir", null);

  /** Directories the operator owns below workDir. */
  static final List<String> LAYOUT = List.of("guests", "bin", "build", "log", "images");

  /** What the operator owns directly in workDir besides the layout ({@code net/}: kvmop-net's). */
  static final List<String> FILES = List.of("qemu-ifup", "qemu-ifup.bridge", "net");

  private final RemoteShell shell;
  private final HelperVerbs helper;
  private final NetworkVerbs network;
  private final DiskVerbs disks;
  private final BuildVerbs build;

  public ShellHostAgent(RemoteShell shell) {
    this.shell = shell;
    this.helper = new HelperVerbs(shell);
    this.network = new NetworkVerbs(helper);
    this.disks = new DiskVerbs(helper);
    this.build = new BuildVerbs(shell);
  }

  @Override
  public HostFacts probeFacts(String qemuBinary) throws HostException {
    CommandResult r =
        runChecked("facts", List.of("sh", "-c", FACTS.text(), "kvmop-facts", qemuBinary));
    return FactsParser.parse(r.stdout());
  }

  @Override
  public WorkDirClaim ensureWorkDir(String workDir, String owner) throws HostException {
    CommandResult r = runChecked("workdir", workDirArgv("claim", workDir, owner));
    WorkDirClaim claim;
    try {
      claim = WorkDirClaim.parse(r.stdout());
    } catch (IllegalArgumentException e) {
      throw new HostException(HostException.Reason.CommandFailed, e.getMessage(), e);
    }
    if (claim.refusal().isPresent()) {
      return claim;
    }
    List<String> argv = new ArrayList<>(List.of("mkdir", "-p", "-m", "0750", "--"));
    LAYOUT.forEach(d -> argv.add(workDir + "/" + d));
    runChecked("workdir", argv);
    return claim;
  }

  @Override
  public void removeWorkDir(String workDir, String owner) throws HostException {
    runChecked("workdir", workDirArgv("release", workDir, owner));
    HelperFiles.forgetWorkDir(shell, workDir);
  }

  private static List<String> workDirArgv(String verb, String workDir, String owner) {
    List<String> argv =
        new ArrayList<>(
            List.of("sh", "-c", WORKDIR.text(), "kvmop-workdir", verb, workDir, owner, "--"));
    argv.addAll(LAYOUT);
    argv.addAll(FILES);
    return argv;
  }

  @Override
  public HostProbe probeGuests(String workDir, String qemuBinary) throws HostException {
    CommandResult r =
        helper.run(workDir, "probe", PROBE_TIMEOUT, List.of("probe", workDir, qemuBinary));
    return ProbeParser.parse(r.stdout());
  }

  @Override
  public LaunchedProcess launch(GuestLaunch launch) throws HostException {
    List<String> args = new ArrayList<>(List.of("launch", launch.guestDir(), launch.uuid()));
    if (launch.runAs() != null) {
      args.addAll(List.of("--runas", launch.runAs()));
    }
    args.add("--");
    args.addAll(launch.argv());
    CommandResult r =
        helper.run(GuestDirPath.workDirOf(launch.guestDir()), "launch", LAUNCH_TIMEOUT, args);
    try {
      return LaunchParser.parse(r.stdout());
    } catch (IllegalArgumentException e) {
      throw new HostException(HostException.Reason.CommandFailed, e.getMessage(), e);
    }
  }

  @Override
  public List<String> resolvePaths(String workDir, List<String> paths) throws HostException {
    List<String> args = new ArrayList<>(List.of("resolve"));
    args.addAll(paths);
    List<String> real =
        helper.run(workDir, "resolve", PROBE_TIMEOUT, args).stdout().lines().toList();
    if (real.size() != paths.size()) {
      throw new HostException(
          HostException.Reason.CommandFailed,
          "resolve answered " + real.size() + " paths for " + paths.size());
    }
    return real;
  }

  @Override
  public void stop(String guestDir, String uuid, Duration grace) throws HostException {
    long seconds = Math.max(0, (grace.toMillis() + 999) / 1000);
    // Its own channel: a stop waits out the grace period (up to an hour), and the pooled shells
    // must stay free for the probe and other short verbs meanwhile.
    helper.run(
        GuestDirPath.workDirOf(guestDir),
        new HelperVerbs.Call(
            HelperFiles.NAME,
            "stop",
            stopTimeout(grace),
            List.of("stop", guestDir, uuid, Long.toString(seconds)),
            null,
            true));
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
    helper.run(
        GuestDirPath.workDirOf(guestDir), "reset", RESET_TIMEOUT, List.of("reset", guestDir));
  }

  @Override
  public void removeGuestDir(String guestDir) throws HostException {
    helper.run(GuestDirPath.workDirOf(guestDir), "remove", SHORT, List.of("remove", guestDir));
  }

  @Override
  public LogTails logTails(String guestDir, int lines, int maxBytes) throws HostException {
    List<String> args =
        List.of("tails", guestDir, Integer.toString(lines), Integer.toString(maxBytes));
    return LogTails.parse(
        helper.run(GuestDirPath.workDirOf(guestDir), "tails", SHORT, args).stdout());
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
  public Map<String, Integer> loadedModules(String workDir) throws HostException {
    return ProcModules.parse(helper.run(workDir, "modules", SHORT, List.of("modules")).stdout());
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
    String key = dir + "/qemu-ifup\0" + bridge;
    if (HelperFiles.verified(shell, key)) {
      return;
    }
    helper.run(dir, "ifup", SHORT, List.of("ifup", dir, bridge));
    HelperFiles.markVerified(shell, key);
  }

  @Override
  public NetworkState setUpNetwork(String workDir, NetworkSetup setup) throws HostException {
    return network.up(workDir, setup);
  }

  @Override
  public void tearDownNetwork(String workDir, String owner) throws HostException {
    network.down(workDir, owner);
  }

  @Override
  public void writeLease(String workDir, DhcpLease lease) throws HostException {
    network.lease(workDir, lease);
  }

  @Override
  public void removeLease(String workDir, String mac) throws HostException {
    network.unlease(workDir, mac);
  }

  @Override
  public String sha256(String path) throws HostException {
    return build.sha256(path);
  }

  @Override
  public String buildStamp(String workDir) throws HostException {
    return build.stamp(workDir);
  }

  @Override
  public void runBuildStep(BuildStep step) throws HostException {
    build.run(step);
  }

  @Override
  public ImageFetch.Result fetchImage(ImageFetch fetch) throws HostException {
    return disks.fetch(fetch);
  }

  @Override
  public ImageFetch.Progress imageProgress(String workDir, String job) throws HostException {
    return disks.progress(workDir, job);
  }

  @Override
  public DiskSetup.Report prepareDisks(DiskSetup setup) throws HostException {
    return disks.prepare(setup);
  }

  @Override
  public void wipeDisks(String guestDir) throws HostException {
    disks.wipe(guestDir);
  }

  @Override
  public CachedImages cachedImages(String workDir) throws HostException {
    return disks.list(workDir);
  }

  @Override
  public List<String> evictImages(String workDir, List<String> sha256s) throws HostException {
    return disks.evict(workDir, sha256s);
  }
}
