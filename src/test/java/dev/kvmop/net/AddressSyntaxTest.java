package dev.kvmop.net;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class AddressSyntaxTest {
  @ParameterizedTest
  @ValueSource(strings = {"0.0.0.0", "10.0.0.1", "255.255.255.255", "192.168.1.10"})
  void validIpv4(String s) {
    assertThat(AddressSyntax.isIpv4(s)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "10.0.0",
        "10.0.0.256",
        "10.0.0.01",
        "10..0.1",
        "1.2.3.4.5",
        "a.b.c.d",
        "١.2.3.4"
      })
  void invalidIpv4(String s) {
    assertThat(AddressSyntax.isIpv4(s)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "::",
        "::1",
        "fe80::1",
        "FE80::1%eth0",
        "2001:db8::8:800:200c:417a",
        "1:2:3:4:5:6:7:8",
        "::ffff:10.0.0.1",
        "1:2:3:4:5:6:1.2.3.4",
        "1::",
        "1:2:3:4:5:6:7::"
      })
  void validIpv6(String s) {
    assertThat(AddressSyntax.isIpv6(s)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        ":", ":::", "1:::2", "1::2::3", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::",
        "g::1", ":1::2", "1::2:", "1.2.3.4::", "fe80::1%", "fe80::1%a b", "1:2:3:4:5:6:7:1.2.3.4"
      })
  void invalidIpv6(String s) {
    assertThat(AddressSyntax.isIpv6(s)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"node-a", "node-a.lab.example.com", "a", "x1.example.", "9abc.example"})
  void validHostnames(String s) {
    assertThat(AddressSyntax.isHostname(s)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "-a",
        "a-",
        "a..b",
        "a_b",
        "a b",
        "10.0.0.256",
        "1.2.3",
        "ä.example",
        ".",
        "a;rm"
      })
  void invalidHostnames(String s) {
    assertThat(AddressSyntax.isHostname(s)).isFalse();
  }

  @ParameterizedTest
  @CsvSource({
    "10.0.0.1,10.0.0.1",
    "FE80:0:0::1,fe80::1",
    "2001:db8:0:0:1:0:0:1,2001:db8::1:0:0:1",
    "2001:0db8:0000:0000:0000:0000:0002:0001,2001:db8::2:1",
    "1:0:0:2:0:0:0:3,1:0:0:2::3",
    "1:2:3:4:5:6:7:0,1:2:3:4:5:6:7:0",
    "fe80::1%eth0,fe80::1%eth0",
    "Node-A.Example,node-a.example"
  })
  void canonicalIp(String in, String out) {
    assertThat(AddressSyntax.canonicalIp(in)).isEqualTo(out);
  }

  @ParameterizedTest
  @ValueSource(strings = {"52", "52:54", "52:54:00", "52:54:00:aa:BB"})
  void validMacPrefix(String s) {
    assertThat(AddressSyntax.isMacPrefix(s)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "5", "52:54:00:00:00:00", "52-54", "zz", "52:54:"})
  void invalidMacPrefix(String s) {
    assertThat(AddressSyntax.isMacPrefix(s)).isFalse();
  }
}
