package dev.kvmop.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DhcpLeaseTest {
  @Test
  void aGuestsLeaseLine() {
    assertThat(DhcpLease.forGuest("52:54:00:AB:00:10", "10.99.0.10", "vm-a").line())
        .isEqualTo("52:54:00:ab:00:10,10.99.0.10,vm-a");
  }

  @Test
  void theHostnameIsOneDnsLabel() {
    assertThat(DhcpLease.forGuest("52:54:00:00:00:10", "10.0.0.1", "web.prod.1").hostname())
        .as("dnsmasq would take what follows a dot for a domain")
        .isEqualTo("web-prod-1");
    assertThat(
            DhcpLease.forGuest("52:54:00:00:00:10", "10.0.0.1", "a".repeat(70) + ".b").hostname())
        .hasSize(63);
    assertThat(
            DhcpLease.forGuest("52:54:00:00:00:10", "10.0.0.1", "x".repeat(62) + ".y").hostname())
        .as("no trailing dash after the cut")
        .isEqualTo("x".repeat(62));
  }

  @Test
  void refusesWhatDnsmasqCannotTake() {
    assertThatThrownBy(() -> DhcpLease.forGuest("52:54:00:00:00", "10.0.0.1", "vm"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DhcpLease.forGuest("52:54:00:00:00:10", "vm.lab", "vm"))
        .as("a hostname in the pool cannot be leased")
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new DhcpLease("52:54:00:00:00:10", "10.0.0.1", "a,b"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
