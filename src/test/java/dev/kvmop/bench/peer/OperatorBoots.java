package dev.kvmop.bench.peer;

import dev.kvmop.api.Conditions;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHost;
import dev.kvmop.bench.GuestCleanup;
import dev.kvmop.bench.OperatorRig;
import dev.kvmop.testing.HostNetwork;
import dev.kvmop.testing.TestObjects;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * B7 on our side: a KvmHost of its own on the first sshd whose managed bridge serves DHCP with one
 * fixed lease per guest; fixture guests on it one after another, each until it answers HTTP and is
 * Ready, then deleted; at the end the host is deleted, which removes the bridge and its dnsmasq.
 */
final class OperatorBoots {
  static final String HOST = "b7";
  static final Duration BOOT = Duration.ofMinutes(4);
  private static final Duration NETWORK_WAIT = Duration.ofSeconds(120);

  private final OperatorRig rig;
  private final int interval;
  private final int cleanupTimeoutSeconds;
  private final Consumer<String> notes;
  private String bridge;
  private final Set<String> taps = new TreeSet<>();

  OperatorBoots(OperatorRig rig, int interval, int cleanupTimeoutSeconds, Consumer<String> notes) {
    this.rig = rig;
    this.interval = interval;
    this.cleanupTimeoutSeconds = cleanupTimeoutSeconds;
    this.notes = notes;
  }

  private Path workDir() {
    return rig.workRoot().resolve(HOST);
  }

  List<Side.Answer> run(String prefix, int n, BootShape shape) throws Exception {
    bridge = HostNetwork.uniqueName("kvb");
    String subnet = HostNetwork.freeSubnet();
    long t0 = System.nanoTime();
    rig.client().resource(host(subnet, n)).create();
    List<Side.Answer> answers = new ArrayList<>();
    try {
      awaitDhcpServing();
      notes.accept(
          String.format(
              "B7 (kvm-operator): KvmHost %s with managed bridge %s (%s.1/24) serving DHCP %.1f s"
                  + " after its creation",
              HOST, bridge, subnet, (System.nanoTime() - t0) / 1e9));
      for (int i = 0; i < n; i++) {
        answers.add(bootOne(prefix + "-" + i, BootShape.ip(subnet, i), shape));
        GuestCleanup.run(rig, "B7", cleanupTimeoutSeconds, notes);
      }
    } finally {
      GuestCleanup.run(rig, "B7", cleanupTimeoutSeconds, notes);
      deleteHost();
    }
    return answers;
  }

  private KvmHost host(String subnet, int n) {
    var sshd = rig.sshds().get(0);
    TestObjects.HostBuilder h =
        TestObjects.host(HOST)
            .at("127.0.0.1", sshd.port())
            .hostKey(sshd.hostKeyLine())
            .workDir(workDir().toString())
            .probeEvery(interval)
            .bridge(bridge)
            .spec(
                s -> {
                  s.user = System.getProperty("user.name");
                  s.network.managed = true;
                  s.network.dhcp = true;
                  s.network.gateway = subnet + ".1/24";
                });
    for (int i = 0; i < n; i++) {
      h.address(BootShape.mac(0, i), BootShape.ip(subnet, i));
    }
    return h.build();
  }

  private Side.Answer bootOne(String name, String ip, BootShape shape) throws Exception {
    KvmGuest g = BootShape.kvmGuest(name, HOST, shape);
    g.getSpec().network.ip = ip;
    long t0 = System.nanoTime();
    rig.client().resource(g).create();
    CompletableFuture<Long> ready = CompletableFuture.supplyAsync(() -> awaitReady(name, t0));
    long answered = BootShape.awaitHttp(ip, BOOT);
    long running = rig.tracker().await(name, t0, o -> o.phase() == GuestPhase.Running, BOOT);
    long readyAt = ready.get();
    taps.addAll(ports(bridge));
    return new Side.Answer((running - t0) / 1e6, (answered - t0) / 1e6, (readyAt - t0) / 1e6);
  }

  /** nanoTime at which a poll of the API every 50 ms first saw Ready=True. */
  private long awaitReady(String name, long since) {
    long deadline = since + BOOT.toNanos();
    var guests = rig.client().resources(KvmGuest.class).inNamespace(OperatorRig.NS);
    try {
      while (System.nanoTime() < deadline) {
        KvmGuest g = guests.withName(name).get();
        if (g != null
            && g.getStatus() != null
            && g.getStatus().conditions != null
            && g.getStatus().conditions.stream()
                .anyMatch(
                    c -> Conditions.READY.equals(c.getType()) && "True".equals(c.getStatus()))) {
          return System.nanoTime();
        }
        Thread.sleep(50);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new IllegalStateException(name + ": not Ready within " + BOOT);
  }

  private void awaitDhcpServing() throws InterruptedException {
    long deadline = System.nanoTime() + NETWORK_WAIT.toNanos();
    while (true) {
      KvmHost h =
          rig.client().resources(KvmHost.class).inNamespace(OperatorRig.NS).withName(HOST).get();
      if (h != null
          && h.getStatus() != null
          && h.getStatus().conditions != null
          && h.getStatus().conditions.stream()
              .anyMatch(
                  c ->
                      Conditions.NETWORK_READY.equals(c.getType())
                          && "DhcpServing".equals(c.getReason()))) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "KvmHost "
                + HOST
                + " not DhcpServing within "
                + NETWORK_WAIT
                + ": "
                + (h == null
                    ? null
                    : rig.client().getKubernetesSerialization().asYaml(h.getStatus())));
      }
      Thread.sleep(200);
    }
  }

  /** Deletes the host and waits until it is gone; then checks what it made is gone too. */
  private void deleteHost() throws InterruptedException {
    var hosts = rig.client().resources(KvmHost.class).inNamespace(OperatorRig.NS);
    hosts.withName(HOST).delete();
    long deadline = System.nanoTime() + NETWORK_WAIT.toNanos();
    while (hosts.withName(HOST).get() != null && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    removeLeftovers("B7");
  }

  /**
   * Removes what the operator should have removed (after a failed or interrupted run): the bridge,
   * the taps seen on it, and dnsmasq processes below the host's workDir; notes each.
   */
  void removeLeftovers(String when) {
    if (bridge == null) {
      return;
    }
    List<Long> dnsmasq = HostNetwork.dnsmasqBelow(workDir());
    Set<String> links = HostNetwork.links();
    List<String> left = new ArrayList<>();
    for (String link : concat(taps, bridge)) {
      if (links.contains(link)) {
        left.add(link);
        HostNetwork.removeLink(link);
      }
    }
    dnsmasq.forEach(p -> ProcessHandle.of(p).ifPresent(ProcessHandle::destroyForcibly));
    if (!left.isEmpty() || !dnsmasq.isEmpty()) {
      notes.accept(
          when
              + " (kvm-operator): left after the host's deletion and removed by the bench: links "
              + left
              + ", dnsmasq pids "
              + dnsmasq);
    } else {
      notes.accept(
          when
              + " (kvm-operator): after the host's deletion no bridge, tap ("
              + taps.size()
              + " seen) or dnsmasq of it was left");
    }
    bridge = null;
    taps.clear();
  }

  private static List<String> concat(Set<String> taps, String bridge) {
    List<String> all = new ArrayList<>(taps);
    all.add(bridge);
    return all;
  }

  /** The interfaces enslaved to a bridge now. */
  static List<String> ports(String bridge) {
    try (var ports = java.nio.file.Files.list(Path.of("/sys/class/net", bridge, "brif"))) {
      return ports.map(p -> p.getFileName().toString()).toList();
    } catch (java.io.IOException e) {
      return List.of();
    }
  }
}
