package dev.kvmop.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvmop.api.KvmHostSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Compares {@link DnsmasqArgs#argv} with {@code src/test/resources/golden/net/<case>.argv}, one
 * argv element per line. To accept a changed argv, run {@code mvn test -Dtest=DnsmasqArgsGoldenTest
 * -Dgolden.update=true} and review the diff of the .argv files.
 */
class DnsmasqArgsGoldenTest {
  static final Path GOLDEN = Path.of("src/test/resources/golden/net");

  static KvmHostSpec.Network network(String bridge, String gateway, String... nameservers) {
    KvmHostSpec.Network n = new KvmHostSpec.Network();
    n.bridge = bridge;
    n.managed = true;
    n.dhcp = true;
    n.gateway = gateway;
    n.nameservers = new ArrayList<>(List.of(nameservers));
    return n;
  }

  @Test
  void dhcpOnlyOnTheBridgeWithRouterAndNameServers() throws IOException {
    assertGolden(
        "dhcp-nameservers",
        DnsmasqArgs.argv("/var/lib/kvmop", network("br0", "10.99.0.1/24", "1.1.1.1", "9.9.9.9")));
  }

  @Test
  void withoutNameServersNoDnsOptionAndTheNetworkOfAnyPrefix() throws IOException {
    assertGolden(
        "dhcp-slash20", DnsmasqArgs.argv("/srv/kvm op/", network("kvmop-lab.1", "172.16.5.9/20")));
  }

  @Test
  void itsFilesAreWhereTheHostHelperLooks() {
    List<String> argv = DnsmasqArgs.argv("/w", network("br0", "10.0.0.1/24"));
    assertThat(argv)
        .contains(
            "--pid-file=" + NetworkPaths.pidFile("/w"),
            "--dhcp-hostsdir=" + NetworkPaths.hostsDir("/w"))
        .contains("--pid-file=/w/net/dnsmasq.pid", "--dhcp-hostsdir=/w/net/hosts.d");
  }

  @Test
  void needsAGateway() {
    assertThatThrownBy(() -> DnsmasqArgs.argv("/w", network("br0", "")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("spec.network.gateway");
  }

  @Test
  void theSetupCarriesTheArgvOnlyWithDhcp() {
    KvmHostSpec.Network n = network("br0", "10.0.0.1/24");
    assertThat(NetworkSetup.of("/w", n).dnsmasqArgv()).first().isEqualTo("dnsmasq");
    n.dhcp = false;
    NetworkSetup setup = NetworkSetup.of("/w", n);
    assertThat(setup.dnsmasqArgv()).isEmpty();
    assertThat(setup).isEqualTo(new NetworkSetup("br0", true, "10.0.0.1/24", false, List.of()));
  }

  static void assertGolden(String name, List<String> argv) throws IOException {
    Path file = GOLDEN.resolve(name + ".argv");
    String actual = String.join("\n", argv) + "\n";
    if (Boolean.getBoolean("golden.update")) {
      Files.createDirectories(GOLDEN);
      Files.writeString(file, actual, StandardCharsets.UTF_8);
      return;
    }
    assertThat(file)
        .as("golden file %s missing; run with -Dgolden.update=true to create it", file)
        .exists();
    assertThat(actual).isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
  }
}
