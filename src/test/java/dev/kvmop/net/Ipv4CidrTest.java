package dev.kvmop.net;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Ipv4CidrTest {
  @Test
  void aGatewayAndItsNetwork() {
    Ipv4Cidr c = Ipv4Cidr.parse("10.99.0.1/24");
    assertThat(c.ip()).isEqualTo("10.99.0.1");
    assertThat(c.networkIp()).isEqualTo("10.99.0.0");
    assertThat(c.netmask()).isEqualTo("255.255.255.0");
    assertThat(c.networkText()).isEqualTo("10.99.0.0/24");
    assertThat(c).hasToString("10.99.0.1/24");
    assertThat(c.isHostAddress(Ipv4Cidr.value("10.99.0.254"))).isTrue();
    assertThat(c.isHostAddress(Ipv4Cidr.value("10.99.0.255"))).as("broadcast").isFalse();
    assertThat(c.isHostAddress(Ipv4Cidr.value("10.99.0.0"))).as("network").isFalse();
    assertThat(c.contains(Ipv4Cidr.value("10.99.1.1"))).isFalse();
  }

  @Test
  void oddPrefixes() {
    Ipv4Cidr c = Ipv4Cidr.parse("172.16.5.9/20");
    assertThat(c.networkText()).isEqualTo("172.16.0.0/20");
    assertThat(c.netmask()).isEqualTo("255.255.240.0");
    assertThat(c.contains(Ipv4Cidr.value("172.16.15.255"))).isTrue();
    assertThat(c.contains(Ipv4Cidr.value("172.16.16.0"))).isFalse();
    assertThat(Ipv4Cidr.parse("192.168.1.1/30").broadcast())
        .isEqualTo(Ipv4Cidr.value("192.168.1.3"));
    assertThat(Ipv4Cidr.parse("10.1.2.3/1").networkIp()).isEqualTo("0.0.0.0");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "10.0.0.1",
        "10.0.0.1/",
        "10.0.0.1/0",
        "10.0.0.1/31",
        "10.0.0.1/32",
        "10.0.0.1/024",
        "10.0.0.1/24/24",
        "10.0.0.256/24",
        "010.0.0.1/24",
        "fd00::1/64",
        "gateway/24",
        "10.0.0.1/2x",
        ""
      })
  void refusesWhatIsNotAnIpv4GatewayCidr(String text) {
    assertThat(Ipv4Cidr.parse(text)).isNull();
  }
}
