package dev.kvmop.bench.peer;

import dev.kvmop.testing.HostNetwork;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.libvirt.LibvirtException;

/**
 * B7 on libvirt's side: a transient libvirt network on its own bridge with one {@code <dhcp><host
 * mac ip/>} per guest, fixture domains on it one after another over connection 0, each until it
 * answers HTTP, then destroyed; at the end the network is destroyed, which removes the bridge and
 * its dnsmasq.
 */
final class LibvirtBoots {
  private static final Path NETWORK_PIDS = Path.of("/run/libvirt/network");

  private final LibvirtClient client;
  private final String prefix;
  private final Consumer<String> notes;
  private String network;
  private String bridge;
  private long dnsmasq = -1;
  private final Set<String> taps = new TreeSet<>();

  /**
   * @param prefix the run's domain prefix; the network is named prefix-b7
   */
  LibvirtBoots(LibvirtClient client, String prefix, Consumer<String> notes) {
    this.client = client;
    this.prefix = prefix;
    this.notes = notes;
  }

  /**
   * @param side whose clean-up destroys every domain of the run and waits until their qemu ended
   */
  List<Side.Answer> run(String namePrefix, int n, BootShape shape, Side side) throws Exception {
    network = prefix + "-b7";
    bridge = HostNetwork.uniqueName("kvl");
    String subnet = HostNetwork.freeSubnet();
    long t0 = System.nanoTime();
    client.createNetwork(BootShape.networkXml(network, bridge, subnet, n));
    dnsmasq = dnsmasqPid();
    notes.accept(
        String.format(
            "B7 (libvirt): network %s on bridge %s (%s.1/24, forward mode open) up with dnsmasq"
                + " pid %d %.1f s after virNetworkCreateXML",
            network, bridge, subnet, dnsmasq, (System.nanoTime() - t0) / 1e9));
    List<Side.Answer> answers = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        String domain = prefix + "-" + namePrefix + "-" + i;
        String ip = BootShape.ip(subnet, i);
        long c0 = System.nanoTime();
        client.create(0, shape.domainXml(domain, network, BootShape.mac(1, i)));
        long running = System.nanoTime();
        long answered = BootShape.awaitHttp(ip, OperatorBoots.BOOT);
        taps.addAll(OperatorBoots.ports(bridge));
        answers.add(new Side.Answer((running - c0) / 1e6, (answered - c0) / 1e6, Double.NaN));
        side.cleanUp("B7");
      }
    } finally {
      side.cleanUp("B7");
      destroyNetwork("B7");
    }
    return answers;
  }

  private long dnsmasqPid() {
    try {
      return Long.parseLong(Files.readString(NETWORK_PIDS.resolve(network + ".pid")).strip());
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  /**
   * Destroys the network if this object made one that is still there, then checks that its bridge,
   * the taps seen on it and its dnsmasq are gone, removing and noting what is left (libvirtd keeps
   * a network's bridge and dnsmasq when it stops, so an interrupted run relies on this).
   */
  void destroyNetwork(String when) {
    if (network == null) {
      return;
    }
    try {
      client.destroyNetwork(network);
    } catch (LibvirtException | RuntimeException e) {
      notes.accept(when + " (libvirt): destroying network " + network + " failed: " + e);
    }
    Set<String> links = HostNetwork.links();
    List<String> left = new ArrayList<>();
    List<String> all = new ArrayList<>(taps);
    all.add(bridge);
    for (String link : all) {
      if (links.contains(link)) {
        left.add(link);
        HostNetwork.removeLink(link);
      }
    }
    boolean dnsmasqLeft =
        dnsmasq > 0
            && ProcessHandle.of(dnsmasq)
                .filter(p -> HostNetwork.cmdline(p.pid()).toString().contains(network))
                .map(ProcessHandle::destroyForcibly)
                .orElse(false);
    notes.accept(
        left.isEmpty() && !dnsmasqLeft
            ? when
                + " (libvirt): after the network's destroy no bridge, tap ("
                + taps.size()
                + " seen) or dnsmasq of it was left"
            : when
                + " (libvirt): left after the network's destroy and removed by the bench: links "
                + left
                + (dnsmasqLeft ? ", dnsmasq pid " + dnsmasq : ""));
    network = null;
    taps.clear();
  }
}
