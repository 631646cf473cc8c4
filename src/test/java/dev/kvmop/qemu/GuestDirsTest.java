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
  }

  @Test
  void rootWorkDir() {
    assertThat(GuestDirs.of("/", "ns", "vm", "u").dir()).isEqualTo("/guests/ns_vm_u");
  }

  /** A uid as the API server makes it: 36 characters. */
  private static final String UID = "8d3f2c1e-5b7a-4e39-9c1d-2f6a0b4e7c90";

  /** Up to 255 bytes the directory is named after the whole namespace and name. */
  @Test
  void aNameThatFitsIsKeptWhole() {
    String name = "v".repeat(255 - "ns__".length() - UID.length());
    String leaf = "ns_" + name + "_" + UID;
    assertThat(leaf).hasSize(GuestDirs.MAX_NAME_BYTES);
    assertThat(GuestDirs.of("/w", "ns", name, UID).dir()).isEqualTo("/w/guests/" + leaf);
  }

  /** One byte over: the name is cut to fit 255 bytes and marked, the uid kept whole. */
  @Test
  void aNameOneByteTooLongIsShortenedAndMarked() {
    String name = "v".repeat(256 - "ns__".length() - UID.length());
    String leaf = GuestDirs.leaf("ns", name, UID);
    assertThat(leaf).hasSize(GuestDirs.MAX_NAME_BYTES);
    assertThat(leaf).isEqualTo("ns_" + name.substring(0, name.length() - 2) + "~_" + UID);
  }

  /** A 63-character namespace and a 253-character name, the longest Kubernetes allows. */
  @Test
  void theLongestNamespaceAndNameFitOneDirectoryName() {
    String namespace = "n".repeat(63);
    String name = "a".repeat(200) + "b".repeat(53);
    String leaf = GuestDirs.leaf(namespace, name, UID);
    assertThat(leaf).hasSize(GuestDirs.MAX_NAME_BYTES);
    assertThat(leaf).startsWith(namespace + "_" + "a".repeat(153) + "~_").endsWith("_" + UID);
    assertThat(GuestDirs.of("/var/lib/kvmop", namespace, name, UID).dir())
        .isEqualTo("/var/lib/kvmop/guests/" + leaf);
  }

  /** The uid keeps two guests whose names share the kept prefix apart. */
  @Test
  void shortenedNamesStayUniqueByUid() {
    String namespace = "n".repeat(63);
    String other = "9b2e4c7a-1f3d-4a6b-8e5c-0d7f2a9b3c61";
    assertThat(GuestDirs.leaf(namespace, "a".repeat(253), UID))
        .isNotEqualTo(GuestDirs.leaf(namespace, "a".repeat(252) + "b", other));
  }

  @Test
  void refusesANamespaceAndUidThatLeaveNoRoomForTheName() {
    assertThatThrownBy(() -> GuestDirs.leaf("n".repeat(300), "x".repeat(10), UID))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("255 bytes");
  }

  @Test
  void refusesComponentsThatEscapeTheDirectory() {
    assertThatThrownBy(() -> GuestDirs.of("/w", "ns", "../x", "u"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> GuestDirs.of("relative", "ns", "x", "u"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
