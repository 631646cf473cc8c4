package dev.kvmop.bench.peer;

import dev.kvmop.api.KvmGuest;
import dev.kvmop.testing.E2EEnvironment;
import dev.kvmop.testing.TestObjects;
import java.util.ArrayList;
import java.util.List;

/**
 * The one guest both sides start, so their qemu processes match: TCG, machine {@code pc}, 32 MiB,
 * one vCPU, ACPI, no NIC, no disk, no display, no default devices. libvirt refuses machine {@code
 * none} ("does not support machine type 'none'"), the cheaper shape of {@code make bench}.
 */
final class GuestShape {
  static final String MACHINE = "pc";
  static final int MEMORY_MIB = 32;

  private GuestShape() {}

  /**
   * Ours: a 1 s grace period as in {@code make bench}; {@code -nodefaults} because libvirt always
   * passes it (no default VGA, CD-ROM, floppy, parallel port).
   */
  static KvmGuest kvmGuest(String name, String host) {
    KvmGuest g = TestObjects.guest(name).on(host).build();
    g.getSpec().machine = MACHINE;
    g.getSpec().memory = MEMORY_MIB + "Mi";
    g.getSpec().extraArgs = new ArrayList<>(List.of("-nodefaults"));
    return g;
  }

  /**
   * libvirt's: domain type qemu (TCG), no {@code <interface>}, no disk; USB, memory balloon and
   * video switched off, which libvirt otherwise adds to a pc guest by default.
   */
  static String domainXml(String name) {
    return "<domain type='qemu'>\n"
        + "  <name>"
        + name
        + "</name>\n"
        + "  <memory unit='MiB'>"
        + MEMORY_MIB
        + "</memory>\n"
        + "  <vcpu>1</vcpu>\n"
        + "  <os><type arch='x86_64' machine='"
        + MACHINE
        + "'>hvm</type></os>\n"
        + "  <features><acpi/></features>\n"
        + "  <devices>\n"
        + "    <emulator>"
        + E2EEnvironment.QEMU
        + "</emulator>\n"
        + "    <controller type='usb' model='none'/>\n"
        + "    <memballoon model='none'/>\n"
        + "    <video><model type='none'/></video>\n"
        + "  </devices>\n"
        + "</domain>\n";
  }

  static String describe() {
    return "TCG, machine "
        + MACHINE
        + ", "
        + MEMORY_MIB
        + " MiB, 1 vCPU, ACPI, no NIC, no disk, no display, -nodefaults";
  }
}
