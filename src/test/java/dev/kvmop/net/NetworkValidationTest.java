package dev.kvmop.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.api.AddressEntry;
import dev.kvmop.api.AddressRange;
import dev.kvmop.api.KvmHostSpec;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NetworkValidationTest {
  /** A managed bridge with DHCP and a pool of .10, .11 and .20 to .29 in its network. */
  static KvmHostSpec valid() {
    KvmHostSpec spec = new KvmHostSpec();
    spec.network.bridge = "kvmop0";
    spec.network.managed = true;
    spec.network.dhcp = true;
    spec.network.gateway = "10.99.0.1/24";
    spec.network.nameservers = List.of("10.99.0.1", "9.9.9.9");
    spec.addresses.add(new AddressEntry("52:54:00:00:00:10", "10.99.0.10"));
    spec.addresses.add(new AddressEntry("52:54:00:00:00:11", "10.99.0.11"));
    AddressRange r = new AddressRange();
    r.first = "10.99.0.20";
    r.last = "10.99.0.29";
    spec.addressRanges.add(r);
    return spec;
  }

  static List<String> errors(Consumer<KvmHostSpec> change) {
    KvmHostSpec spec = valid();
    change.accept(spec);
    return NetworkValidation.validate(spec);
  }

  @Test
  void aConsistentNetworkIsValid() {
    assertThat(NetworkValidation.validate(valid())).isEmpty();
    assertThat(errors(s -> s.network = new KvmHostSpec.Network())).as("the defaults").isEmpty();
    assertThat(errors(s -> s.network.dhcp = false)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"10.99.0.1", "10.99.0.1/33", "10.99.0.1/0", "fd00::1/64", "br0", "1/24"})
  void theGatewayIsAnIpv4Cidr(String gateway) {
    assertThat(errors(s -> s.network.gateway = gateway))
        .singleElement()
        .asString()
        .startsWith("spec.network.gateway: ")
        .contains("is not an IPv4 address with a prefix");
  }

  @Test
  void theGatewayIsAHostAddressOfItsNetwork() {
    assertThat(errors(s -> s.network.gateway = "10.99.0.0/24"))
        .singleElement()
        .asString()
        .contains("10.99.0.0/24 is the network's own address")
        .contains("such as 10.99.0.1/24");
    assertThat(errors(s -> s.network.gateway = "10.99.0.255/24"))
        .singleElement()
        .asString()
        .contains("broadcast address");
  }

  @Test
  void theGatewayIsNoPoolAddress() {
    assertThat(errors(s -> s.network.gateway = "10.99.0.11/24"))
        .singleElement()
        .asString()
        .isEqualTo(
            "spec.network.gateway: 10.99.0.11 is also a pool address (spec.addresses[1].ip);"
                + " the bridge holds it, no guest can");
    assertThat(errors(s -> s.network.gateway = "10.99.0.25/24"))
        .singleElement()
        .asString()
        .startsWith("spec.network.gateway: 10.99.0.25 lies in spec.addressRanges[0]");
    assertThat(
            errors(
                s -> {
                  s.network.dhcp = false;
                  s.network.gateway = "10.99.0.10/24";
                }))
        .as("also without dhcp")
        .hasSize(1);
  }

  @Test
  void withDhcpThePoolLiesInTheGatewaysNetwork() {
    assertThat(errors(s -> s.addresses.get(1).ip = "10.98.0.11"))
        .singleElement()
        .asString()
        .startsWith("spec.addresses[1].ip: 10.98.0.11 is outside 10.99.0.0/24");
    assertThat(errors(s -> s.addresses.get(1).ip = "10.99.0.255"))
        .as("the broadcast address")
        .singleElement()
        .asString()
        .startsWith("spec.addresses[1].ip: 10.99.0.255 is outside");
    assertThat(errors(s -> s.addresses.get(0).ip = "vm-a.lab"))
        .singleElement()
        .asString()
        .startsWith("spec.addresses[0].ip: \"vm-a.lab\" is not IPv4");
    assertThat(errors(s -> s.addressRanges.get(0).last = "10.99.1.5"))
        .singleElement()
        .asString()
        .startsWith("spec.addressRanges[0]: 10.99.0.20 to 10.99.1.5 reaches outside 10.99.0.0/24");
    assertThat(
            errors(
                s -> {
                  s.network.dhcp = false;
                  s.addresses.get(1).ip = "192.168.7.7";
                }))
        .as("without dhcp the pool may lie anywhere")
        .isEmpty();
  }

  @Test
  void dhcpNeedsAGateway() {
    assertThat(errors(s -> s.network.gateway = ""))
        .containsExactly("spec.network.gateway: required when spec.network.dhcp is true");
  }

  @ParameterizedTest
  @ValueSource(strings = {"br/0", "..", ".", "br 0", "br0;reboot", "", "bridge-name-too-long"})
  void theBridgeIsAnInterfaceName(String bridge) {
    assertThat(errors(s -> s.network.bridge = bridge))
        .singleElement()
        .asString()
        .startsWith("spec.network.bridge: ");
  }

  @Test
  void aLongBridgeNameSaysTheLimit() {
    assertThat(errors(s -> s.network.bridge = "kvmop-bridge-0001"))
        .containsExactly(
            "spec.network.bridge: \"kvmop-bridge-0001\" is longer than 15 characters, the"
                + " kernel's limit for interface names");
  }

  @Test
  void nameServersAreAddressesAndIpv4ForDhcp() {
    assertThat(errors(s -> s.network.nameservers = List.of("dns.lab")))
        .containsExactly("spec.network.nameservers[0]: \"dns.lab\" is not an IP address");
    assertThat(errors(s -> s.network.nameservers = List.of("9.9.9.9", "2620:fe::fe")))
        .singleElement()
        .asString()
        .startsWith("spec.network.nameservers[1]: 2620:fe::fe is IPv6");
    assertThat(
            errors(
                s -> {
                  s.network.dhcp = false;
                  s.network.nameservers = List.of("2620:fe::fe");
                }))
        .isEmpty();
  }
}
