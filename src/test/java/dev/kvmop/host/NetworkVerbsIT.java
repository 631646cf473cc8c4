package dev.kvmop.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.host.NetworkState.Problem;
import dev.kvmop.host.ssh.SshRemoteShellFactory;
import dev.kvmop.net.DhcpLease;
import dev.kvmop.net.NetworkPaths;
import dev.kvmop.net.NetworkSetup;
import dev.kvmop.testing.HostNetwork;
import dev.kvmop.testing.MinaSshServer;
import dev.kvmop.testing.SshKeys;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The network verbs (host helper kvmop-net) through the embedded SSH server and the real /bin/sh,
 * against real bridges and a real dnsmasq on this machine (root only). Each test has its own
 * workDir, bridge name and subnet, and ends with no bridge, address or dnsmasq of its own left.
 */
class NetworkVerbsIT {
  static final SshKeys.KeyText KEY = SshKeys.generate("ed25519");
  static final MinaSshServer SERVER = new MinaSshServer().authorize(KEY.publicKeyLine());

  static RemoteShell shell;
  static ShellHostAgent agent;

  final HostNetwork net = new HostNetwork();
  Path workDir;
  String bridge;
  String subnet;

  @BeforeAll
  static void start() throws Exception {
    SERVER.start();
    shell = new SshRemoteShellFactory().connect(SERVER.target("ns/net", KEY.privateKey(), 10));
    agent = new ShellHostAgent(shell);
  }

  @AfterAll
  static void stop() throws IOException {
    if (shell != null) {
      shell.close();
    }
    SERVER.stop();
  }

  @BeforeEach
  void fresh() throws Exception {
    workDir = Files.createTempDirectory(Path.of("/tmp"), "kvmop-net");
    Files.setPosixFilePermissions(
        workDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    agent.ensureWorkDir(workDir.toString(), "it-owner");
    bridge = HostNetwork.uniqueName("kvit");
    subnet = HostNetwork.freeSubnet();
  }

  @AfterEach
  void nothingLeft() throws IOException {
    List<Long> dnsmasq = HostNetwork.dnsmasqBelow(workDir);
    dnsmasq.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    boolean bridgeLeft = HostNetwork.links().contains(bridge);
    HostNetwork.removeLink(bridge);
    net.close();
    try (Stream<Path> files = Files.walk(workDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    assertThat(dnsmasq).as("dnsmasq left running").isEmpty();
    assertThat(bridgeLeft).as("bridge %s left", bridge).isFalse();
  }

  // ---------------------------------------------------------------- without root

  @Test
  void anUnmanagedBridgeMustExistAndBeABridge() throws Exception {
    NetworkState missing = up(setup(false, "", false));
    assertThat(missing.problem()).contains(Problem.BridgeMissing);
    assertThat(missing.message()).contains("bridge " + bridge + " does not exist");
    assertThat(missing.status()).isEqualTo("link=absent up=0 gateway=- dhcp=off");
    assertThat(agent.probeGuests(workDir.toString(), "/bin/false").network())
        .as("the probe carries the same status line")
        .isEqualTo(missing.status());

    NetworkState lo = agent.setUpNetwork(wd(), new NetworkSetup("lo", false, "", false, List.of()));
    assertThat(lo.problem()).contains(Problem.NotABridge);
    assertThat(lo.status()).startsWith("link=other ");
  }

  @Test
  void dhcpWithoutDnsmasqIsDnsmasqMissingAndCreatesNothing() throws Exception {
    List<String> argv = new ArrayList<>(dnsmasqArgv());
    argv.set(0, "kvmop-no-such-dnsmasq");
    NetworkState s =
        agent.setUpNetwork(wd(), new NetworkSetup(bridge, true, gateway(), true, argv));
    assertThat(s.problem()).contains(Problem.DnsmasqMissing);
    assertThat(s.message()).contains("dnsmasq-base");
    assertThat(HostNetwork.links()).doesNotContain(bridge);
  }

  // ---------------------------------------------------------------- as root

  @Test
  void aManagedBridgeWithDhcpIsCreatedAdoptedAndTakenDownAgain() throws Exception {
    assumeRoot();
    NetworkState s = up(setup(true, gateway(), true));
    assertThat(s.problem()).isEmpty();
    assertThat(s.status()).isEqualTo("link=bridge up=1 gateway=set dhcp=running");
    assertThat(HostNetwork.isBridge(bridge)).isTrue();
    assertThat(HostNetwork.addresses(bridge)).containsExactly(gateway());
    List<Long> dnsmasq = HostNetwork.dnsmasqBelow(workDir);
    assertThat(dnsmasq).hasSize(1);
    assertThat(HostNetwork.cmdline(dnsmasq.get(0))).isEqualTo(dnsmasqArgv());
    assertThat(agent.probeGuests(wd(), "/bin/false").network()).isEqualTo(s.status());

    // Again, as after an operator restart: the running dnsmasq is adopted.
    assertThat(up(setup(true, gateway(), true)).status()).isEqualTo(s.status());
    assertThat(HostNetwork.dnsmasqBelow(workDir)).isEqualTo(dnsmasq);

    // Another argv (a name server more): the old dnsmasq is replaced, not joined.
    KvmHostSpec.Network changed = network(true, gateway(), true);
    changed.nameservers = List.of("9.9.9.9");
    assertThat(up(NetworkSetup.of(wd(), changed)).problem()).isEmpty();
    List<Long> replaced = HostNetwork.dnsmasqBelow(workDir);
    assertThat(replaced).hasSize(1).doesNotContainAnyElementsOf(dnsmasq);
    assertThat(HostNetwork.cmdline(replaced.get(0)))
        .contains("--dhcp-option=option:dns-server,9.9.9.9");

    agent.tearDownNetwork(wd(), "it-owner");
    assertThat(HostNetwork.links()).doesNotContain(bridge);
    assertThat(HostNetwork.dnsmasqBelow(workDir)).isEmpty();
    assertThat(workDir.resolve("net")).doesNotExist();
  }

  @Test
  void aDeadDnsmasqShowsInTheStatusAndIsStartedAgain() throws Exception {
    assumeRoot();
    up(setup(true, gateway(), true));
    long pid = HostNetwork.dnsmasqBelow(workDir).get(0);
    ProcessHandle.of(pid).orElseThrow().destroyForcibly();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> agent.probeGuests(wd(), "/bin/false").network().endsWith("dhcp=stopped"));
    assertThat(up(setup(true, gateway(), true)).status()).endsWith("dhcp=running");
    assertThat(HostNetwork.dnsmasqBelow(workDir)).hasSize(1).doesNotContain(pid);
    agent.tearDownNetwork(wd(), "it-owner");
  }

  @Test
  void leasesAreServedForKnownMacsOnly() throws Exception {
    assumeRoot();
    up(setup(true, gateway(), true));
    String mac = "52:54:00:7e:00:10";
    String ip = subnet + ".10";
    agent.writeLease(wd(), DhcpLease.forGuest(mac, ip, "vm.a"));
    Path file = Path.of(NetworkPaths.hostsDir(wd()), "52-54-00-7e-00-10");
    assertThat(Files.readString(file)).isEqualTo(mac + "," + ip + ",vm-a\n");
    assertThat(net.dhcpLease(bridge, mac)).contains(ip);
    assertThat(net.dhcpLease(bridge, "52:54:00:7e:00:99")).as("an unknown MAC").isEmpty();

    agent.removeLease(wd(), mac);
    assertThat(file).doesNotExist();
    assertThat(net.dhcpLease(bridge, mac)).as("after its lease is removed").isEmpty();
    agent.removeLease(wd(), mac); // idempotent
    agent.tearDownNetwork(wd(), "it-owner");
  }

  @Test
  void aPortTakenIsDhcpFailedAndTheBridgeItCreatedIsRemovedAgain() throws Exception {
    assumeRoot();
    try (DatagramChannel taken = DatagramChannel.open()) {
      try {
        taken.bind(new InetSocketAddress(67));
      } catch (IOException e) {
        assumeThat(e).as("port 67 is free on this machine (no other DHCP server)").isNull();
      }
      NetworkState s = up(setup(true, gateway(), true));
      assertThat(s.problem()).contains(Problem.DhcpFailed);
      assertThat(s.message()).contains("failed to bind DHCP server socket");
      assertThat(HostNetwork.links()).as("nothing half-created").doesNotContain(bridge);
      assertThat(HostNetwork.dnsmasqBelow(workDir)).isEmpty();
    }
    assertThat(up(setup(true, gateway(), true)).problem()).as("once the port is free").isEmpty();
    agent.tearDownNetwork(wd(), "it-owner");
  }

  @Test
  void managedOnAnInterfaceThatIsNoBridgeTouchesNothing() throws Exception {
    assumeRoot();
    net.addOtherLink(bridge);
    NetworkState s = up(setup(true, gateway(), true));
    assertThat(s.problem()).contains(Problem.NotABridge);
    assertThat(HostNetwork.isBridge(bridge)).isFalse();
    assertThat(HostNetwork.addresses(bridge)).isEmpty();
    assertThat(HostNetwork.dnsmasqBelow(workDir)).isEmpty();
    agent.tearDownNetwork(wd(), "it-owner");
    assertThat(HostNetwork.links()).as("a link it did not create stays").contains(bridge);
    HostNetwork.removeLink(bridge);
  }

  @Test
  void aBridgeItFoundKeepsItselfButLosesTheAddressTheOperatorGaveIt() throws Exception {
    assumeRoot();
    net.addBridge(bridge);
    up(setup(true, gateway(), false));
    assertThat(HostNetwork.addresses(bridge)).containsExactly(gateway());
    agent.tearDownNetwork(wd(), "it-owner");
    assertThat(HostNetwork.isBridge(bridge)).isTrue();
    assertThat(HostNetwork.addresses(bridge)).isEmpty();
    HostNetwork.removeLink(bridge);
  }

  @Test
  void aRenamedBridgeReplacesTheOneItCreatedOnceThatIsEmpty() throws Exception {
    assumeRoot();
    up(setup(true, gateway(), false));
    String old = bridge;
    bridge = HostNetwork.uniqueName("kvit");
    try {
      up(setup(true, gateway(), false));
      assertThat(HostNetwork.links()).contains(bridge).doesNotContain(old);
      agent.tearDownNetwork(wd(), "it-owner");
    } finally {
      HostNetwork.removeLink(old);
    }
  }

  // ---------------------------------------------------------------- helpers

  NetworkState up(NetworkSetup setup) throws HostException {
    return agent.setUpNetwork(wd(), setup);
  }

  NetworkSetup setup(boolean managed, String gateway, boolean dhcp) {
    return NetworkSetup.of(wd(), network(managed, gateway, dhcp));
  }

  KvmHostSpec.Network network(boolean managed, String gateway, boolean dhcp) {
    KvmHostSpec.Network n = new KvmHostSpec.Network();
    n.bridge = bridge;
    n.managed = managed;
    n.gateway = gateway;
    n.dhcp = dhcp;
    return n;
  }

  List<String> dnsmasqArgv() {
    return setup(true, gateway(), true).dnsmasqArgv();
  }

  String gateway() {
    return subnet + ".1/24";
  }

  String wd() {
    return workDir.toString();
  }

  static void assumeRoot() {
    assumeThat(HostNetwork.available()).as("root, /dev/net/tun and dnsmasq").isTrue();
  }
}
