package dev.kvmop.e2e;

import static dev.kvmop.testing.E2EEnvironment.condition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import dev.kvmop.api.Conditions;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHost;
import dev.kvmop.net.NetworkPaths;
import dev.kvmop.testing.BootingGuests;
import dev.kvmop.testing.E2EEnvironment;
import dev.kvmop.testing.HostNetwork;
import dev.kvmop.testing.OperatorProcess;
import io.fabric8.kubernetes.api.model.Condition;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Address delivery with real components: the built operator, OpenSSH on loopback as the host, real
 * bridges, taps and dnsmasq on this machine (root only), and guests that boot Debian's cloud kernel
 * with the busybox fixture, take their pool address by DHCP and serve HTTP. Each host has its own
 * bridge name and subnet; at the end no bridge, tap or dnsmasq of this class is left.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AddressDeliveryE2E {
  static final String HOST = "dhcp";
  static final Duration NETWORK_WAIT = Duration.ofSeconds(90);

  @TempDir static Path tmp;
  static E2EEnvironment env;
  static OperatorProcess operator;
  static Path fixture;
  static final HostNetwork net = new HostNetwork();
  static final List<String> bridges = new CopyOnWriteArrayList<>();
  static final Set<String> taps = new TreeSet<>();
  static String bridge;
  static String subnet;

  @BeforeAll
  static void start() {
    assumeThat(HostNetwork.available()).as("root, /dev/net/tun and dnsmasq").isTrue();
    fixture = BootingGuests.fixture();
    env = new E2EEnvironment(tmp);
    operator = env.startOperator();
    bridge = bridge();
    subnet = HostNetwork.freeSubnet();
  }

  @AfterAll
  static void stop() {
    if (env == null) {
      return;
    }
    List<Long> dnsmasq = HostNetwork.dnsmasqBelow(env.workRoot);
    List<String> bridgesLeft = bridges.stream().filter(HostNetwork.links()::contains).toList();
    List<String> tapsLeft = taps.stream().filter(HostNetwork.links()::contains).toList();
    env.close();
    dnsmasq.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    bridges.forEach(HostNetwork::removeLink);
    net.close();
    assertThat(dnsmasq).as("dnsmasq left running").isEmpty();
    assertThat(bridgesLeft).as("bridges left").isEmpty();
    assertThat(tapsLeft).as("taps left").isEmpty();
  }

  @Test
  @Order(1)
  void aTakenDhcpPortIsDhcpFailedWithNothingLeftUntilItIsFree() throws IOException {
    String busyBridge = bridge();
    try (DatagramChannel port67 = DatagramChannel.open()) {
      try {
        port67.bind(new InetSocketAddress(67));
      } catch (IOException e) {
        assumeThat(e).as("port 67 is free here (no other DHCP server runs)").isNull();
      }
      create(BootingGuests.dhcpHost(env, "busy", busyBridge, HostNetwork.freeSubnet(), 1));
      Condition c = awaitNetwork("busy", "DhcpFailed");
      assertThat(c.getMessage()).contains("failed to bind DHCP server socket");
      assertThat(HostNetwork.links()).as("nothing half-created").doesNotContain(busyBridge);
      assertThat(HostNetwork.dnsmasqBelow(env.workRoot.resolve("busy"))).isEmpty();
    }
    awaitNetwork("busy", "DhcpServing");
    assertThat(HostNetwork.isBridge(busyBridge)).isTrue();
    deleteHost("busy");
    assertThat(HostNetwork.links()).doesNotContain(busyBridge);
  }

  @Test
  @Order(2)
  void aGuestTakesItsPoolAddressByDhcpAndIsReadyOnlyOnceItAnswers() throws IOException {
    create(BootingGuests.dhcpHost(env, HOST, bridge, subnet, 3));
    Condition ready = awaitNetwork(HOST, "DhcpServing");
    assertThat(ready.getMessage()).contains("bridge " + bridge + " is up with " + subnet + ".1/24");
    assertThat(HostNetwork.addresses(bridge)).containsExactly(subnet + ".1/24");
    assertThat(HostNetwork.dnsmasqBelow(workDir())).hasSize(1);

    long created = System.nanoTime();
    env.client.resource(BootingGuests.guest("vm-a", HOST, fixture).build()).create();
    List<String> seen = new ArrayList<>();
    KvmGuest g = awaitReady("vm-a", seen);
    long readyMs = (System.nanoTime() - created) / 1_000_000;
    System.out.println("address-delivery: vm-a create->Ready " + readyMs + " ms (one sample)");

    String ip = BootingGuests.ip(subnet, 0);
    assertThat(g.getStatus().ip).isEqualTo(ip);
    assertThat(g.getStatus().mac).isEqualTo(BootingGuests.mac(0));
    assertThat(seen)
        .as("Running with Ready=False before the guest answered, then Ready")
        .contains("Running Ready=False/ProbeFailed")
        .last()
        .isEqualTo("Running Ready=True/ProbeSucceeded");
    assertThat(BootingGuests.page(ip)).startsWith("hello from");
    assertThat(Files.readString(leaseFile(0)))
        .isEqualTo(BootingGuests.mac(0) + "," + ip + ",vm-a\n");
    assertThat(Files.readString(Path.of(NetworkPaths.leaseFile(workDir().toString()))))
        .as("dnsmasq's record of the lease it gave")
        .contains(BootingGuests.mac(0) + " " + ip + " ");
    assertThat(serialLog("vm-a")).contains("kvmop-fixture: network=dhcp " + ip + "/24");
    taps.addAll(portsOf(bridge));
    assertThat(taps).hasSize(1);
  }

  @Test
  @Order(3)
  void anOperatorRestartAdoptsTheRunningDnsmasq() throws IOException {
    List<Long> before = HostNetwork.dnsmasqBelow(workDir());
    Path cmdline = workDir().resolve("net/dnsmasq.cmdline");
    FileTime lastUp = Files.getLastModifiedTime(cmdline);
    operator.stop();
    operator = env.startOperator();
    // The new operator's first full check runs the network verb, which rewrites this file.
    await()
        .atMost(NETWORK_WAIT)
        .until(() -> Files.getLastModifiedTime(cmdline).compareTo(lastUp) > 0);
    awaitNetwork(HOST, "DhcpServing");
    assertThat(HostNetwork.dnsmasqBelow(workDir())).isEqualTo(before);
    assertThat(BootingGuests.page(BootingGuests.ip(subnet, 0))).startsWith("hello");
  }

  @Test
  @Order(4)
  void aDnsmasqThatDiesIsStartedAgainAndStillKnowsTheLeases() {
    long pid = HostNetwork.dnsmasqBelow(workDir()).get(0);
    ProcessHandle.of(pid).orElseThrow().destroyForcibly();
    await()
        .atMost(NETWORK_WAIT)
        .until(
            () -> {
              List<Long> now = HostNetwork.dnsmasqBelow(workDir());
              return now.size() == 1 && now.get(0) != pid;
            });
    assertThat(condition(network(HOST), Conditions.NETWORK_READY).getReason())
        .isEqualTo("DhcpServing");
    assertThat(net.dhcpLease(bridge, BootingGuests.mac(0)))
        .as("the new dnsmasq answers vm-a's MAC")
        .contains(BootingGuests.ip(subnet, 0));
  }

  @Test
  @Order(5)
  void deletionTakesTheLeaseAwayAndTheNextHolderOfTheAddressGetsIt() throws IOException {
    env.client.resource(env.get("vm-a")).delete();
    env.awaitGone("vm-a");
    assertThat(leaseFile(0)).doesNotExist();
    assertThat(net.dhcpLease(bridge, BootingGuests.mac(0)))
        .as("dnsmasq no longer answers the deleted guest's MAC")
        .isEmpty();

    String ip = BootingGuests.ip(subnet, 0);
    env.client.resource(BootingGuests.guest("vm-b", HOST, fixture).requestIp(ip).build()).create();
    KvmGuest g = awaitReady("vm-b", new ArrayList<>());
    assertThat(g.getStatus().mac).isEqualTo(BootingGuests.mac(0));
    assertThat(Files.readString(leaseFile(0)))
        .isEqualTo(BootingGuests.mac(0) + "," + ip + ",vm-b\n");
    assertThat(BootingGuests.page(ip)).startsWith("hello");
    taps.addAll(portsOf(bridge));
  }

  @Test
  @Order(6)
  void hostDeletionRemovesTheBridgeItCreatedAndItsDnsmasq() {
    env.client.resource(env.get("vm-b")).delete();
    env.awaitGone("vm-b");
    deleteHost(HOST);
    assertThat(HostNetwork.links()).doesNotContain(bridge).doesNotContainAnyElementsOf(taps);
    assertThat(HostNetwork.dnsmasqBelow(workDir())).isEmpty();
  }

  @Test
  @Order(7)
  void aBridgeThatWasThereIsLeftAloneWithoutTheAddressItWasGiven() {
    String found = bridge();
    net.addBridge(found);
    String foundSubnet = HostNetwork.freeSubnet();
    create(BootingGuests.dhcpHost(env, "found", found, foundSubnet, 1));
    awaitNetwork("found", "DhcpServing");
    assertThat(HostNetwork.addresses(found)).containsExactly(foundSubnet + ".1/24");
    deleteHost("found");
    assertThat(HostNetwork.isBridge(found)).as("the bridge it found").isTrue();
    assertThat(HostNetwork.addresses(found)).isEmpty();
    assertThat(HostNetwork.dnsmasqBelow(env.workRoot.resolve("found"))).isEmpty();
    HostNetwork.removeLink(found);
  }

  @Test
  @Order(8)
  void anInterfaceThatIsNoBridgeIsLeftAloneAndBridgeGuestsWait() {
    String other = bridge();
    net.addOtherLink(other);
    create(BootingGuests.dhcpHost(env, "notbr", other, HostNetwork.freeSubnet(), 1));
    Condition c = awaitNetwork("notbr", "NotABridge");
    assertThat(c.getMessage())
        .contains("interface " + other + " exists on the host and is not a bridge");
    env.client.resource(BootingGuests.guest("vm-c", "notbr", fixture).build()).create();
    KvmGuest waiting =
        env.awaitGuest(
            "vm-c",
            g ->
                g.getStatus().phase == GuestPhase.Pending
                    && "NetworkNotReady"
                        .equals(
                            condition(g.getStatus().conditions, Conditions.SCHEDULED).getReason()));
    assertThat(condition(waiting.getStatus().conditions, Conditions.SCHEDULED).getMessage())
        .contains("NetworkReady=False (NotABridge)");
    assertThat(waiting.getStatus().pid).isNull();
    assertThat(HostNetwork.isBridge(other)).isFalse();
    assertThat(HostNetwork.addresses(other)).isEmpty();
    assertThat(HostNetwork.dnsmasqBelow(env.workRoot.resolve("notbr"))).isEmpty();
    env.client.resource(waiting).delete();
    env.awaitGone("vm-c");
    deleteHost("notbr");
    assertThat(HostNetwork.links()).as("the interface it found").contains(other);
    HostNetwork.removeLink(other);
  }

  @Test
  @Order(9)
  void ofTwoHostsManagingOneBridgeOnOneMachineTheOlderDoesIt() {
    String shared = bridge();
    String sharedSubnet = HostNetwork.freeSubnet();
    create(BootingGuests.dhcpHost(env, "first", shared, sharedSubnet, 1));
    awaitNetwork("first", "DhcpServing");
    create(BootingGuests.dhcpHost(env, "second", shared, sharedSubnet, 1));
    Condition c = awaitNetwork("second", "BridgeConflict");
    assertThat(c.getMessage()).contains("KvmHost default/first already manages bridge " + shared);
    assertThat(HostNetwork.dnsmasqBelow(env.workRoot.resolve("second"))).isEmpty();

    deleteHost("first");
    awaitNetwork("second", "DhcpServing");
    assertThat(HostNetwork.dnsmasqBelow(env.workRoot.resolve("second"))).hasSize(1);
    deleteHost("second");
    assertThat(HostNetwork.links()).doesNotContain(shared);
  }

  // ---------------------------------------------------------------- helpers

  static String bridge() {
    String name = HostNetwork.uniqueName("kve");
    bridges.add(name);
    return name;
  }

  static Path workDir() {
    return env.workRoot.resolve(HOST);
  }

  static Path leaseFile(int i) {
    return Path.of(
        NetworkPaths.hostsDir(workDir().toString()), BootingGuests.mac(i).replace(':', '-'));
  }

  static void create(KvmHost host) {
    env.client.resource(host).create();
  }

  static List<Condition> network(String host) {
    KvmHost h = env.getHost(host);
    return h == null || h.getStatus() == null ? List.of() : h.getStatus().conditions;
  }

  /** Waits until the host's NetworkReady has this reason; returns the condition. */
  static Condition awaitNetwork(String host, String reason) {
    return await()
        .atMost(NETWORK_WAIT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                network(host).stream()
                    .filter(c -> Conditions.NETWORK_READY.equals(c.getType()))
                    .findFirst()
                    .orElse(null),
            c -> c != null && reason.equals(c.getReason()));
  }

  /**
   * Waits until the guest is Ready, recording each distinct "Phase Ready=Status/Reason" it passes
   * through; every time it is seen Ready, its port must answer this JVM too.
   */
  static KvmGuest awaitReady(String name, List<String> seen) {
    String ip = BootingGuests.ip(subnet, 0);
    return await()
        .atMost(BootingGuests.BOOT)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              KvmGuest g = env.get(name);
              if (g == null || g.getStatus() == null || g.getStatus().conditions == null) {
                return null;
              }
              String state =
                  g.getStatus().phase
                      + " "
                      + g.getStatus().conditions.stream()
                          .filter(c -> Conditions.READY.equals(c.getType()))
                          .map(c -> "Ready=" + c.getStatus() + "/" + c.getReason())
                          .findFirst()
                          .orElse("Ready missing");
              if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(state)) {
                seen.add(state);
              }
              if (state.endsWith("Ready=True/ProbeSucceeded")) {
                assertThat(BootingGuests.answers(ip, 80)).as("Ready, so port 80 answers").isTrue();
                return g;
              }
              assertThat(g.getStatus().phase).isNotIn(GuestPhase.Failed, GuestPhase.Succeeded);
              return null;
            },
            g -> g != null);
  }

  static void deleteHost(String name) {
    env.client.resource(env.getHost(name)).delete();
    await().atMost(NETWORK_WAIT).until(() -> env.getHost(name) == null);
  }

  static String serialLog(String guest) throws IOException {
    try (var dirs = Files.list(env.guestsDir(HOST))) {
      Path dir =
          dirs.filter(d -> d.getFileName().toString().contains("_" + guest + "_"))
              .findFirst()
              .orElseThrow();
      return Files.readString(dir.resolve("serial.log"));
    }
  }

  static List<String> portsOf(String bridge) {
    try (var ports = Files.list(Path.of("/sys/class/net", bridge, "brif"))) {
      return ports.map(p -> p.getFileName().toString()).toList();
    } catch (IOException e) {
      return List.of();
    }
  }
}
