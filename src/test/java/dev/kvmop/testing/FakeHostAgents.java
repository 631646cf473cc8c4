package dev.kvmop.testing;

import dev.kvmop.api.KvmHost;
import dev.kvmop.api.KvmHostStatus.HostFacts;
import dev.kvmop.host.GuestLaunch;
import dev.kvmop.host.GuestProcess;
import dev.kvmop.host.HostAgent;
import dev.kvmop.host.HostAgentFactory;
import dev.kvmop.host.HostException;
import dev.kvmop.host.HostProbe;
import dev.kvmop.host.LaunchedProcess;
import dev.kvmop.host.LogTails;
import dev.kvmop.host.NetworkState;
import dev.kvmop.host.SshTarget;
import dev.kvmop.host.WorkDirClaim;
import dev.kvmop.net.DhcpLease;
import dev.kvmop.net.NetworkSetup;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A stateful stand-in for hosts, for reconciler tests: each host (by address) has facts, an
 * optional connection failure, a directory set and fake guest processes; every verb is recorded.
 */
public final class FakeHostAgents implements HostAgentFactory {
  /** A well-formed host key to pin in KvmHosts on fake hosts (they present "SHA256:fake"). */
  public static final String KEY_LINE =
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINBM/Sqo5hQpBF2MGf6zDcTRGhMlRSWfMtDQIiFajMRS";

  public final Map<String, FakeHost> hosts = new ConcurrentHashMap<>();
  public final List<String> calls = new CopyOnWriteArrayList<>();

  /**
   * A KvmHost for the fake host at {@code address} in the client's namespace: {@link
   * TestObjects#host}'s defaults with credentials from Secret {@code secret}.
   */
  public static KvmHost kvmHost(String name, String address, String secret) {
    return TestObjects.host(name).in(null).at(address).secret(secret).build();
  }

  /** One fake qemu: identity plus whether it runs and how it ended. */
  public static final class FakeProcess {
    public final String uuid;
    public final int pid;
    public final long startTicks;
    public volatile boolean running = true;
    public volatile GuestProcess.ExitCause exitCause;

    FakeProcess(String uuid, int pid, long startTicks) {
      this.uuid = uuid;
      this.pid = pid;
      this.startTicks = startTicks;
    }
  }

  /** One fake machine. Guest state is guarded by the host's monitor. */
  public static final class FakeHost {
    public volatile HostFacts facts = tcgFacts();
    public volatile HostException connectFailure;

    /** What ensureWorkDir answers instead of claiming, e.g. another KvmHost's workDir. */
    public volatile WorkDirClaim workDirRefusal;

    public volatile String fingerprint = "SHA256:fake";
    public final List<String> dirs = new CopyOnWriteArrayList<>();
    public volatile String lastPrivateKey;

    /** Loaded modules (name → use count), as /proc/modules would show them. */
    public final Map<String, Integer> modules = new ConcurrentHashMap<>();

    /** Symlinks on the host (link path → target) that resolvePaths follows. */
    public final Map<String, String> symlinks = new ConcurrentHashMap<>();

    /** The paths, with their first symlink prefix (if any) replaced by its target. */
    List<String> resolve(List<String> paths) {
      List<String> out = new java.util.ArrayList<>();
      for (String p : paths) {
        String real = p;
        for (var link : symlinks.entrySet()) {
          if (p.equals(link.getKey()) || p.startsWith(link.getKey() + "/")) {
            real = link.getValue() + p.substring(link.getKey().length());
          }
        }
        out.add(real);
      }
      return out;
    }

    /** Bridges present on the host; br0 by default. */
    public final List<String> bridges = new CopyOnWriteArrayList<>(List.of("br0"));

    /** Bridges setUpNetwork created (managed), which tearDownNetwork removes again. */
    public final List<String> createdBridges = new CopyOnWriteArrayList<>();

    /** When set, setUpNetwork reports this problem (after creating nothing). */
    public volatile NetworkState.Problem networkProblem;

    /** Fixed leases by MAC, as writeLease and removeLease leave them. */
    public final Map<String, DhcpLease> leases = new ConcurrentHashMap<>();

    /** The network status line setUpNetwork left, which the probe reports; null before. */
    public volatile String networkStatus;

    /** Build stamps per workDir; build step names run, in order. */
    public final Map<String, String> stamps = new ConcurrentHashMap<>();

    public final List<String> buildSteps = new CopyOnWriteArrayList<>();

    /** When set, the build step of that name fails. */
    public volatile String failStep;

    /** When set, probeFacts waits for it (up to 10 s): holds the host reconciler mid-reconcile. */
    public volatile CountDownLatch factsGate;

    /** When set, a stop waits for it to open before it does anything (a long grace period). */
    public volatile CountDownLatch stopGate;

    /** What the host's image cache and guest disks hold (the kvmop-disks verbs). */
    public final FakeDisks disks = new FakeDisks();

    /** Guest directory → its (last) process; a directory stays until {@code remove}. */
    public final Map<String, FakeProcess> guests = new ConcurrentHashMap<>();

    /**
     * "launch dir", "stop dir", "reset dir", "remove dir", "lease mac", "unlease mac", in order.
     */
    public final List<String> verbs = new CopyOnWriteArrayList<>();

    /**
     * Runs once, inside the next probe, after the probe has looked at the processes and before it
     * answers: what happens on the host while a probe's reply is on its way.
     */
    public final java.util.concurrent.atomic.AtomicReference<Runnable> duringNextProbe =
        new java.util.concurrent.atomic.AtomicReference<>();

    private final Map<String, HostException> failNext = new ConcurrentHashMap<>();
    private volatile HostException lostLaunchReply;
    private int nextPid = 1000;
    private int boots = 1;

    /** The next call of {@code verb} (launch, stop, reset, remove, probe) throws {@code e}. */
    public void failNext(String verb, HostException e) {
      failNext.put(verb, e);
    }

    public void failNextLaunch(HostException e) {
      failNext("launch", e);
    }

    /** The next launch starts its qemu but its reply is lost: the call throws {@code e}. */
    public void loseNextLaunchReply(HostException e) {
      lostLaunchReply = e;
    }

    /** The qemu dies without a recorded cause (crash, kill -9). */
    public synchronized void kill(String dir) {
      end(dir, GuestProcess.ExitCause.Unknown);
    }

    /** The guest powered itself off (QMP SHUTDOWN, guest=true). */
    public synchronized void guestShutdown(String dir) {
      end(dir, GuestProcess.ExitCause.GuestShutdown);
    }

    /** New boot id; every process is gone (directories stay on disk). */
    public synchronized void reboot() {
      guests.values().forEach(p -> p.running = false);
      HostFacts next = copy(facts);
      next.bootId = "boot-" + ++boots;
      facts = next;
    }

    public String bootId() {
      return facts.bootId;
    }

    public FakeProcess process(String dir) {
      return guests.get(dir);
    }

    /** The single guest directory whose name contains {@code part} (the guest's name). */
    public String dirOf(String part) {
      List<String> found =
          guests.keySet().stream().filter(d -> d.contains("_" + part + "_")).toList();
      if (found.size() != 1) {
        throw new IllegalStateException("guest dirs matching " + part + ": " + found);
      }
      return found.get(0);
    }

    public long count(String verb) {
      return verbs.stream().filter(v -> v.startsWith(verb + " ")).count();
    }

    public long count(String verb, String dir) {
      return verbs.stream().filter(v -> v.equals(verb + " " + dir)).count();
    }

    private void end(String dir, GuestProcess.ExitCause cause) {
      FakeProcess p = guests.get(dir);
      if (p != null && p.running) {
        p.running = false;
        p.exitCause = cause;
      }
    }

    private void maybeFail(String verb) throws HostException {
      HostException e = failNext.remove(verb);
      if (e != null) {
        throw e;
      }
    }

    synchronized LaunchedProcess launch(GuestLaunch launch) throws HostException {
      verbs.add("launch " + launch.guestDir());
      maybeFail("launch");
      FakeProcess p = guests.get(launch.guestDir());
      if (p != null && p.running && p.uuid.equals(launch.uuid())) {
        return new LaunchedProcess(p.pid, p.startTicks, bootId(), true);
      }
      int pid = nextPid++;
      p = new FakeProcess(launch.uuid(), pid, pid * 100L);
      guests.put(launch.guestDir(), p);
      HostException lost = lostLaunchReply;
      if (lost != null) {
        lostLaunchReply = null;
        throw lost;
      }
      return new LaunchedProcess(p.pid, p.startTicks, bootId(), false);
    }

    synchronized void stop(String dir, String uuid) throws HostException {
      verbs.add("stop " + dir);
      maybeFail("stop");
      FakeProcess p = guests.get(dir);
      if (p != null && p.running && p.uuid.equals(uuid)) {
        end(dir, GuestProcess.ExitCause.StopRequested);
      }
    }

    synchronized void reset(String dir) throws HostException {
      verbs.add("reset " + dir);
      maybeFail("reset");
      FakeProcess p = guests.get(dir);
      if (p == null || !p.running) {
        throw new HostException(HostException.Reason.CommandFailed, "reset: no qemu in " + dir);
      }
    }

    synchronized void remove(String dir) throws HostException {
      verbs.add("remove " + dir);
      maybeFail("remove");
      FakeProcess p = guests.get(dir);
      if (p != null && p.running) {
        // Like the real script: never removes the directory of a live qemu.
        throw new HostException(HostException.Reason.CommandFailed, "remove: qemu runs in " + dir);
      }
      guests.remove(dir);
      disks.removeGuest(dir);
    }

    /** What every guest directory's logs end with, for the Event of a crash. */
    public volatile LogTails logTails =
        new LogTails("serial: last line of the guest", "qemu: last line of qemu");

    synchronized LogTails tails(String dir) throws HostException {
      verbs.add("tails " + dir);
      maybeFail("tails");
      return logTails;
    }

    synchronized HostProbe probe(String workDir) throws HostException {
      maybeFail("probe");
      String prefix = workDir.replaceAll("/+$", "") + "/guests/";
      Map<String, GuestProcess> seen = new HashMap<>();
      guests.forEach(
          (dir, p) -> {
            if (dir.startsWith(prefix)) {
              seen.put(
                  dir,
                  p.running
                      ? new GuestProcess(
                          dir, p.uuid, GuestProcess.State.Running, p.pid, p.startTicks, null)
                      : new GuestProcess(
                          dir, p.uuid, GuestProcess.State.Exited, null, null, p.exitCause));
            }
          });
      HostProbe answer = new HostProbe(bootId(), seen, List.of(), networkStatus);
      Runnable meanwhile = duringNextProbe.getAndSet(null);
      if (meanwhile != null) {
        meanwhile.run();
      }
      return answer;
    }

    synchronized NetworkState setUpNetwork(NetworkSetup setup) {
      String gateway = setup.gateway().isEmpty() ? "-" : "set";
      if (networkProblem != null) {
        networkStatus = "link=absent up=0 gateway=" + gateway + " dhcp=stopped";
        return new NetworkState(
            networkStatus, Optional.of(networkProblem), "fake " + networkProblem);
      }
      if (!bridges.contains(setup.bridge())) {
        if (!setup.managed()) {
          networkStatus = "link=absent up=0 gateway=" + gateway + " dhcp=off";
          return new NetworkState(
              networkStatus,
              Optional.of(NetworkState.Problem.BridgeMissing),
              "bridge " + setup.bridge() + " does not exist on the host");
        }
        bridges.add(setup.bridge());
        createdBridges.add(setup.bridge());
      }
      networkStatus =
          "link=bridge up=1 gateway=" + gateway + " dhcp=" + (setup.dhcp() ? "running" : "off");
      return new NetworkState(networkStatus, Optional.empty(), "");
    }

    synchronized void tearDownNetwork() {
      bridges.removeAll(createdBridges);
      createdBridges.clear();
      leases.clear();
      networkStatus = null;
    }
  }

  public FakeHost host(String address) {
    return hosts.computeIfAbsent(address, a -> new FakeHost());
  }

  public static HostFacts tcgFacts() {
    HostFacts f = new HostFacts();
    f.kernel = "6.1.0";
    f.arch = "x86_64";
    f.cpuVendor = "GenuineIntel";
    f.virtualization = "none";
    f.kvmDevice = false;
    f.cpus = 2;
    f.memoryBytes = 1L << 34;
    f.qemuVersion = "QEMU emulator version 7.2.0";
    f.bootId = "boot-1";
    return f;
  }

  private static HostFacts copy(HostFacts f) {
    HostFacts c = new HostFacts();
    c.kernel = f.kernel;
    c.arch = f.arch;
    c.cpuVendor = f.cpuVendor;
    c.virtualization = f.virtualization;
    c.kvmDevice = f.kvmDevice;
    c.cpus = f.cpus;
    c.memoryBytes = f.memoryBytes;
    c.qemuVersion = f.qemuVersion;
    c.kvmModuleVersion = f.kvmModuleVersion;
    c.bootId = f.bootId;
    return c;
  }

  @Override
  public HostAgent agentFor(SshTarget target) throws HostException {
    FakeHost h = host(target.address());
    calls.add("connect " + target.address());
    if (h.connectFailure != null) {
      throw h.connectFailure;
    }
    h.lastPrivateKey = target.privateKey();
    return new HostAgent() {
      @Override
      public HostFacts probeFacts(String qemuBinary) {
        calls.add("facts " + target.address());
        CountDownLatch gate = h.factsGate;
        if (gate != null) {
          try {
            gate.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        return h.facts;
      }

      @Override
      public WorkDirClaim ensureWorkDir(String workDir, String owner) {
        calls.add("workdir " + target.address() + " " + workDir);
        WorkDirClaim refusal = h.workDirRefusal;
        if (refusal != null) {
          return refusal;
        }
        if (!h.dirs.contains(workDir)) {
          h.dirs.add(workDir);
        }
        return WorkDirClaim.CLAIMED;
      }

      @Override
      public void removeWorkDir(String workDir, String owner) {
        calls.add("rmworkdir " + target.address() + " " + workDir);
        h.dirs.remove(workDir);
      }

      @Override
      public HostProbe probeGuests(String workDir, String qemuBinary) throws HostException {
        return h.probe(workDir);
      }

      @Override
      public LaunchedProcess launch(GuestLaunch launch) throws HostException {
        return h.launch(launch);
      }

      @Override
      public List<String> resolvePaths(String workDir, List<String> paths) {
        calls.add("resolve " + target.address() + " " + String.join(" ", paths));
        return h.resolve(paths);
      }

      @Override
      public void stop(String guestDir, String uuid, Duration grace) throws HostException {
        CountDownLatch gate = h.stopGate;
        if (gate != null) {
          try {
            gate.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HostException(HostException.Reason.Unreachable, "interrupted");
          }
        }
        h.stop(guestDir, uuid);
      }

      @Override
      public void reset(String guestDir) throws HostException {
        h.reset(guestDir);
      }

      @Override
      public void removeGuestDir(String guestDir) throws HostException {
        h.remove(guestDir);
      }

      @Override
      public LogTails logTails(String guestDir, int lines, int maxBytes) throws HostException {
        return h.tails(guestDir);
      }

      @Override
      public boolean tcpReachable(String address, int port) {
        return true;
      }

      @Override
      public String hostKeyFingerprint() {
        return h.fingerprint;
      }

      @Override
      public Map<String, Integer> loadedModules(String workDir) {
        return new HashMap<>(h.modules);
      }

      @Override
      public void modprobe(List<String> modules) {
        calls.add("modprobe " + target.address() + " " + String.join(" ", modules));
        modules.forEach(m -> h.modules.putIfAbsent(m, 0));
      }

      @Override
      public String moduleVersion(String module) {
        return h.modules.containsKey(module) ? "fake-1" : null;
      }

      @Override
      public void insmod(String path) {
        calls.add("insmod " + target.address() + " " + path);
        String file = path.substring(path.lastIndexOf('/') + 1);
        h.modules.putIfAbsent(file.replace(".ko", "").replace('-', '_'), 0);
      }

      @Override
      public void rmmod(String module) {
        calls.add("rmmod " + target.address() + " " + module);
        h.modules.remove(module);
      }

      @Override
      public void writeIfupScript(String workDir, String bridge) {
        calls.add("ifup " + target.address() + " " + workDir + " " + bridge);
      }

      @Override
      public NetworkState setUpNetwork(String workDir, NetworkSetup setup) {
        calls.add("network " + target.address() + " " + workDir + " " + setup.bridge());
        return h.setUpNetwork(setup);
      }

      @Override
      public void tearDownNetwork(String workDir, String owner) {
        calls.add("network-down " + target.address() + " " + workDir);
        h.tearDownNetwork();
      }

      @Override
      public void writeLease(String workDir, DhcpLease lease) {
        calls.add("lease " + target.address() + " " + lease.line());
        h.verbs.add("lease " + lease.mac());
        h.leases.put(lease.mac(), lease);
      }

      @Override
      public void removeLease(String workDir, String mac) {
        calls.add("unlease " + target.address() + " " + mac);
        h.verbs.add("unlease " + mac);
        h.leases.remove(mac);
      }

      @Override
      public String sha256(String path) {
        return "0".repeat(64);
      }

      @Override
      public String buildStamp(String workDir) {
        return h.stamps.get(workDir);
      }

      @Override
      public dev.kvmop.host.ImageFetch.Result fetchImage(dev.kvmop.host.ImageFetch fetch)
          throws HostException {
        h.verbs.add("fetch " + (fetch.url() != null ? fetch.url() : fetch.hostPath()));
        h.maybeFail("fetch");
        return h.disks.fetch(fetch);
      }

      @Override
      public dev.kvmop.host.ImageFetch.Progress imageProgress(String workDir, String job) {
        return h.disks.progress(job);
      }

      @Override
      public dev.kvmop.host.DiskSetup.Report prepareDisks(dev.kvmop.host.DiskSetup setup)
          throws HostException {
        h.verbs.add("prepare " + setup.guestDir());
        h.maybeFail("prepare");
        return h.disks.prepare(setup);
      }

      @Override
      public void wipeDisks(String guestDir) throws HostException {
        h.verbs.add("wipe " + guestDir);
        h.maybeFail("wipe");
        FakeProcess p = h.guests.get(guestDir);
        if (p != null && p.running) {
          throw new HostException(HostException.Reason.CommandFailed, "wipe: qemu runs");
        }
        h.disks.wipe(guestDir);
      }

      @Override
      public dev.kvmop.host.CachedImages cachedImages(String workDir) throws HostException {
        calls.add("images " + target.address());
        return h.disks.list();
      }

      @Override
      public List<String> evictImages(String workDir, List<String> sha256s) {
        calls.add("evict " + target.address() + " " + String.join(" ", sha256s));
        return h.disks.evict(sha256s);
      }

      @Override
      public void runBuildStep(dev.kvmop.host.BuildStep step) throws HostException {
        h.buildSteps.add(step.name());
        if (step.name().equals(h.failStep)) {
          throw new dev.kvmop.host.BuildException(step.name(), step.name() + " failed", "boom");
        }
        if (step.name().equals("Stamp")) {
          List<String> argv = step.argv();
          String file = argv.get(argv.size() - 2);
          h.stamps.put(
              file.substring(0, file.length() - "/build/stamp".length()),
              argv.get(argv.size() - 1));
        }
      }
    };
  }

  @Override
  public void forget(String hostId) {
    calls.add("forget " + hostId);
  }

  public long callsFor(String address) {
    return calls.stream().filter(c -> c.contains(" " + address)).count();
  }
}
