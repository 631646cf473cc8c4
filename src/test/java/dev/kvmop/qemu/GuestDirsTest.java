package dev.kvmop.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GuestDirsTest {
  @Test
  void layout() {
    GuestDirs dirs = GuestDirs.of("/var/lib/kvmop/", "ns", "vm1", "0f8b-uid");
    assertThat(dirs.dir()).isEqualTo("/var/lib/kvmop/guests/ns_vm1_0f8b-uid");
    assertThat(dirs.pidFile()).isEqualTo("/var/lib/kvmop/guests/ns_vm1_0f8b-uid/pid");
    assertThat(dirs.qmpSocket()).isEqualTo("/var/lib/kvmop/guests/ns_vm1_0f8b-uid/qmp.sock");
    assertThat(dirs.serialLog()).isEqualTo("/var/lib/kvmop/guests/ns_vm1_0f8b-uid/serial.log");
    assertThat(dirs.eventsSocket()).isEqualTo("/var/lib/kvmop/guests/ns_vm1_0f8b-uid/events.sock");
    assertThat(dirs.qemuLog()).isEqualTo("/var/lib/kvmop/guests/ns_vm1_0f8b-uid/qemu.log");
    assertThat(dirs.consoleSocket())
        .isEqualTo("/var/lib/kvmop/guests/ns_vm1_0f8b-uid/console.sock");
    assertThat(dirs.socketsFit()).isTrue();
  }

  @Test
  void rootWorkDir() {
    assertThat(GuestDirs.of("/", "ns", "vm", "u").dir()).isEqualTo("/guests/ns_vm_u");
  }

  @Test
  void longNamesDoNotFitAUnixSocket() {
    assertThat(GuestDirs.of("/var/lib/kvmop", "ns", "v".repeat(100), "u").socketsFit()).isFalse();
  }

  /** console.sock is the longest socket name: one byte over while the others still fit. */
  @Test
  void theConsoleSocketIsTheLongestAndCounts() {
    GuestDirs dirs = GuestDirs.of("/var/lib/kvmop", "ns", "v".repeat(68), "u");
    assertThat(dirs.eventsSocket()).hasSize(GuestDirs.MAX_UNIX_SOCKET_PATH);
    assertThat(dirs.consoleSocket()).hasSize(GuestDirs.MAX_UNIX_SOCKET_PATH + 1);
    assertThat(dirs.socketsFit()).isFalse();
    assertThat(GuestDirs.of("/var/lib/kvmop", "ns", "v".repeat(67), "u").socketsFit()).isTrue();
  }

  @Test
  void refusesComponentsThatEscapeTheDirectory() {
    assertThatThrownBy(() -> GuestDirs.of("/w", "ns", "../x", "u"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> GuestDirs.of("relative", "ns", "x", "u"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
