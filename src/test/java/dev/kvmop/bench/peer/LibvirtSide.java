package dev.kvmop.bench.peer;

import dev.kvmop.bench.GuestBurst.Burst;
import dev.kvmop.bench.ProcessUsage;
import dev.kvmop.bench.Stats;
import dev.kvmop.testing.OpenSshServer;
import dev.kvmop.testing.QemuProcesses;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.libvirt.LibvirtException;
import org.libvirt.event.DomainEventType;

/**
 * libvirt as its users drive it: transient domains created with virDomainCreateXML over one
 * qemu+ssh connection per host (all reaching the one libvirtd of this machine), "running" = the
 * call returned; a killed qemu is noticed by the STOPPED lifecycle event the client receives.
 */
final class LibvirtSide implements Side {
  private static final Path PID_DIR = Path.of("/run/libvirt/qemu");
  private static final Path LOG_DIR = Path.of("/var/log/libvirt/qemu");

  private final LibvirtDaemon daemon;
  private final LibvirtClient client;
  private final List<OpenSshServer> sshds;
  private final int threads;
  private final Consumer<String> notes;

  /** Domains of this run are named prefix + the scenario's guest name. */
  private final String prefix = "kvmop-peer-" + Long.toString(ProcessHandle.current().pid(), 36);

  private final Map<String, Long> stoppedAt = new ConcurrentHashMap<>();
  private final LibvirtBoots boots;

  LibvirtSide(
      LibvirtDaemon daemon,
      LibvirtClient client,
      List<OpenSshServer> sshds,
      int threads,
      Consumer<String> notes)
      throws Exception {
    this.daemon = daemon;
    this.client = client;
    this.sshds = sshds;
    this.threads = threads;
    this.notes = notes;
    this.boots = new LibvirtBoots(client, prefix, notes);
    client.onLifecycle(
        (name, event) -> {
          if (event.getType() == DomainEventType.STOPPED) {
            stoppedAt.putIfAbsent(name, System.nanoTime());
          }
        });
  }

  @Override
  public String name() {
    return "libvirt";
  }

  @Override
  public Start createOne(String name) throws Exception {
    String domain = prefix + "-" + name;
    double up0 = ProcessUsage.uptime();
    long t0 = System.nanoTime();
    client.create(0, GuestShape.domainXml(domain));
    long t = System.nanoTime();
    double qemu = ProcessUsage.startedSinceBoot(qemuPid(domain));
    return new Start(
        (t - t0) / 1e6, (qemu - up0) * 1000, Map.of("virDomainCreateXML", 1L), Double.NaN);
  }

  private static long qemuPid(String domain) throws IOException {
    return Long.parseLong(Files.readString(PID_DIR.resolve(domain + ".pid")).strip());
  }

  @Override
  public List<Long> managerPids() {
    List<Long> pids = new ArrayList<>(SshSessions.pids(sshds, true));
    pids.add(daemon.libvirtd());
    pids.add(daemon.virtlogd());
    return pids;
  }

  /**
   * Guest i through connection i mod connections. Its latency counts from the burst's start, when
   * all n were handed to the client threads, as ours counts from its create call (all n are made
   * within the first second or so): a libvirt create blocks its thread until the guest runs, so a
   * guest's wait for a free thread is part of what its user waits. The calls' own durations go to
   * the notes.
   */
  @Override
  public Burst burst(String burstPrefix, int n) throws Exception {
    List<String> names = new ArrayList<>();
    long[] t0 = new long[n];
    long[] t1 = new long[n];
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long start = System.nanoTime();
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String name = burstPrefix + "-" + i;
        names.add(name);
        int idx = i;
        fs.add(
            pool.submit(
                () -> {
                  t0[idx] = System.nanoTime();
                  client.create(
                      idx % client.connections(), GuestShape.domainXml(prefix + "-" + name));
                  t1[idx] = System.nanoTime();
                  return null;
                }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    List<Double> lat = new ArrayList<>();
    List<Double> calls = new ArrayList<>();
    long last = start;
    for (int i = 0; i < n; i++) {
      lat.add((t1[i] - start) / 1e6);
      calls.add((t1[i] - t0[i]) / 1e9);
      last = Math.max(last, t1[i]);
    }
    notes.accept(
        String.format(
            "%s (libvirt): virDomainCreateXML calls took p50 %.2f s, p95 %.2f s each (%d client"
                + " threads)",
            burstPrefix, Stats.pct(calls, 50), Stats.pct(calls, 95), threads));
    return new Burst(names, lat, (last - start) / 1e9, (last - start) / 1e9);
  }

  /**
   * libvirtd and virtlogd, and libvirt's sshd sessions (virt-ssh-helper) over the window, after 2 s
   * to settle; the client's calls and the bytes its SSH relays carried.
   */
  @Override
  public Footprint steady(Duration window) throws Exception {
    Thread.sleep(2000);
    long calls0 = client.calls();
    long bytes0 = SshSessions.helperBytesRead(sshds);
    List<Long> daemons = List.of(daemon.libvirtd(), daemon.virtlogd());
    var managers = CompletableFuture.supplyAsync(() -> usage(window, daemons));
    var sessions = CompletableFuture.supplyAsync(() -> usage(window, null));
    ProcessUsage.Result d = managers.get();
    ProcessUsage.Result ssh = sessions.get();
    double minutes = d.seconds() / 60;
    double callsPerMinute = (client.calls() - calls0) / minutes;
    double bytesPerMinute = (SshSessions.helperBytesRead(sshds) - bytes0) / minutes;
    String detail =
        String.format(
            "libvirtd + virtlogd %.2f %% / %.0f MB, its sshd sessions %.2f %% / %.0f MB;"
                + " client API calls per minute %.1f; the SSH relays read %.0f bytes per minute,"
                + " %.0f messages of libvirt's 28-byte keepalive (both ends ping every 5 s)",
            d.cpuPct(),
            d.rssMaxMb(),
            ssh.cpuPct(),
            ssh.rssMaxMb(),
            callsPerMinute,
            bytesPerMinute,
            bytesPerMinute / 28);
    return new Footprint(
        d.cpuPct() + ssh.cpuPct(), d.rssMaxMb() + ssh.rssMaxMb(), callsPerMinute, detail);
  }

  private ProcessUsage.Result usage(Duration window, List<Long> pids) {
    try {
      return pids != null
          ? ProcessUsage.over(window, () -> pids, true)
          : ProcessUsage.over(window, () -> SshSessions.pids(sshds, true), true);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Detection = the STOPPED event this client receives for the domain. */
  @Override
  public List<Double> killAndNotice(Burst burst) throws Exception {
    Thread.sleep(1000);
    List<Long> pids = new ArrayList<>();
    for (String name : burst.names()) {
      pids.add(
          Long.parseLong(Files.readString(PID_DIR.resolve(prefix + "-" + name + ".pid")).strip()));
    }
    stoppedAt.clear();
    long t0 = System.nanoTime();
    for (long pid : pids) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    List<Double> noticed = new ArrayList<>();
    long deadline = t0 + Duration.ofSeconds(120).toNanos();
    for (String name : burst.names()) {
      Long t;
      while ((t = stoppedAt.get(prefix + "-" + name)) == null) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(name + ": no STOPPED event within 120 s of the kill");
        }
        Thread.sleep(5);
      }
      noticed.add((t - t0) / 1e9);
    }
    return noticed;
  }

  @Override
  public List<Answer> bootAnswering(String burstPrefix, int n, BootShape shape) throws Exception {
    return boots.run(burstPrefix, n, shape, this);
  }

  /** Destroys the B7 network if one is left (an interrupted run); before libvirtd stops. */
  void destroyNetwork() {
    boots.destroyNetwork("end");
  }

  /**
   * Destroys every domain of this run from the client threads until none of their qemu is left (a
   * domain still being created shows up once it runs); after 60 s kills what is left.
   */
  @Override
  public void cleanUp(String scenario) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      destroyAll(running());
      if (liveQemu().isEmpty()) {
        break;
      }
      if (System.nanoTime() > deadline) {
        List<Long> left = liveQemu();
        notes.accept(scenario + " (libvirt): " + left.size() + " qemu left after destroy; killed");
        left.forEach(p -> ProcessHandle.of(p).ifPresent(ProcessHandle::destroyForcibly));
        break;
      }
      Thread.sleep(250);
    }
    removeDomainLogs();
  }

  private List<String> running() {
    try {
      return client.running(prefix);
    } catch (LibvirtException e) {
      return List.of();
    }
  }

  /** A domain that went away meanwhile is no error. */
  private void destroyAll(List<String> names) throws InterruptedException {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (String name : names) {
        pool.submit(
            () -> {
              try {
                client.destroy(name);
              } catch (LibvirtException e) {
                // gone meanwhile, or libvirtd is going away: the qemu check decides
              }
            });
      }
    } finally {
      pool.shutdown();
      pool.awaitTermination(2, TimeUnit.MINUTES);
    }
  }

  /** qemu processes of this run's domains (libvirt names them with -name guest=NAME). */
  List<Long> liveQemu() {
    String marker = "guest=" + prefix + "-";
    return ProcessHandle.allProcesses()
        .filter(
            p -> QemuProcesses.isQemu(p.pid()) && QemuProcesses.cmdline(p.pid()).contains(marker))
        .map(ProcessHandle::pid)
        .toList();
  }

  /** libvirt keeps each domain's qemu log (virtlogd) after the domain is gone. */
  private void removeDomainLogs() throws IOException {
    if (!Files.isDirectory(LOG_DIR)) {
      return;
    }
    try (var logs = Files.list(LOG_DIR)) {
      for (Path log : logs.filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) {
        Files.deleteIfExists(log);
      }
    }
  }
}
