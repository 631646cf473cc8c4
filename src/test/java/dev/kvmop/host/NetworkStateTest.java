package dev.kvmop.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NetworkStateTest {
  @Test
  void everyProblemIsAHostReason() throws Exception {
    java.util.List<Object> reasons = new java.util.ArrayList<>();
    for (var f : dev.kvmop.api.HostReasons.class.getFields()) {
      reasons.add(f.get(null));
    }
    for (NetworkState.Problem p : NetworkState.Problem.values()) {
      assertThat(reasons).as("HostReasons has " + p).contains(p.name());
    }
  }

  @Test
  void aReadyNetwork() {
    NetworkState s = NetworkState.parse("link=bridge up=1 gateway=set dhcp=running\n");
    assertThat(s.status()).isEqualTo("link=bridge up=1 gateway=set dhcp=running");
    assertThat(s.problem()).isEmpty();
    assertThat(s.dhcpRunning()).isTrue();
  }

  @Test
  void aProblemWithItsMessage() {
    NetworkState s =
        NetworkState.parse(
            "link=absent up=0 gateway=unset dhcp=stopped\n"
                + "problem DhcpFailed dnsmasq did not start: failed to bind DHCP server socket\n");
    assertThat(s.problem()).contains(NetworkState.Problem.DhcpFailed);
    assertThat(s.message()).isEqualTo("dnsmasq did not start: failed to bind DHCP server socket");
    assertThat(s.dhcpRunning()).isFalse();
  }

  @Test
  void refusesOutputWithoutAStatusOrWithAnUnknownProblem() {
    assertThatThrownBy(() -> NetworkState.parse("something else\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no network status line");
    assertThatThrownBy(
            () -> NetworkState.parse("link=bridge up=1 gateway=- dhcp=off\nproblem Nope x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Nope");
  }
}
