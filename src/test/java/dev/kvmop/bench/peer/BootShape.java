package dev.kvmop.bench.peer;

import dev.kvmop.api.KvmGuest;
import dev.kvmop.testing.BootingGuests;
import dev.kvmop.testing.E2EEnvironment;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The guest of B7 on both sides: the test guest of {@code scripts/guest-fixture.sh} (Debian's cloud
 * kernel, busybox initramfs; takes its DHCP lease, serves HTTP on port 80), TCG, machine pc, 128
 * MiB, 1 vCPU, one virtio-net NIC on a bridge whose dnsmasq hands out fixed leases, no disk, no
 * display, -nodefaults. The kernel and initramfs are copied into a directory of the run that
 * libvirt's qemu user can read (libvirt also relabels them while a domain runs).
 */
final class BootShape implements AutoCloseable {
  static final int MEMORY_MIB = 128;
  static final String NIC_MODEL = "virtio-net-pci";

  private final Path dir;

  private BootShape(Path dir) {
    this.dir = dir;
  }

  /** Builds (or finds cached) the fixture and copies it into a world-readable directory. */
  static BootShape prepare() throws IOException {
    Path fixture = BootingGuests.fixture();
    Path dir =
        Files.createDirectories(
            Path.of("/tmp", "kvmop-b7-" + Long.toString(ProcessHandle.current().pid(), 36)));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    for (String f : List.of("vmlinuz", "initrd.img")) {
      Files.copy(fixture.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
      Files.setPosixFilePermissions(dir.resolve(f), PosixFilePermissions.fromString("rw-r--r--"));
    }
    return new BootShape(dir);
  }

  Path kernel() {
    return dir.resolve("vmlinuz");
  }

  Path initrd() {
    return dir.resolve("initrd.img");
  }

  /** Guest i's MAC; side 0 is ours, 1 libvirt's, so the two never share a MAC. */
  static String mac(int side, int i) {
    return String.format("52:54:00:7e:%02x:%02x", 0x70 + side, 0x10 + i);
  }

  /** Pool address i of a /24 "a.b.c". */
  static String ip(String subnet, int i) {
    return subnet + "." + (10 + i);
  }

  /**
   * Ours: a Bridge guest on {@code host} that gets its MAC and address from the host's pool, Ready
   * when TCP port 80 answers the host (checked every second).
   */
  static KvmGuest kvmGuest(String name, String host, BootShape shape) {
    KvmGuest g = BootingGuests.guest(name, host, shape.dir).build();
    g.getSpec().memory = MEMORY_MIB + "Mi";
    g.getSpec().network.model = NIC_MODEL;
    g.getSpec().extraArgs = new ArrayList<>(List.of("-nodefaults"));
    return g;
  }

  /**
   * libvirt's: direct kernel boot with the same command line, one interface on {@code network} with
   * its fixed MAC; the serial console on a pty nobody reads (qemu drops output while no one is
   * connected); USB, balloon and video off as in {@link GuestShape}.
   */
  String domainXml(String name, String network, String mac) {
    return "<domain type='qemu'>\n"
        + "  <name>"
        + name
        + "</name>\n"
        + "  <memory unit='MiB'>"
        + MEMORY_MIB
        + "</memory>\n"
        + "  <vcpu>1</vcpu>\n"
        + "  <os><type arch='x86_64' machine='"
        + GuestShape.MACHINE
        + "'>hvm</type>\n"
        + "    <kernel>"
        + kernel()
        + "</kernel><initrd>"
        + initrd()
        + "</initrd>\n"
        + "    <cmdline>"
        + BootingGuests.CMDLINE
        + "</cmdline></os>\n"
        + "  <features><acpi/></features>\n"
        + "  <devices>\n"
        + "    <emulator>"
        + E2EEnvironment.QEMU
        + "</emulator>\n"
        + "    <interface type='network'><source network='"
        + network
        + "'/><mac address='"
        + mac
        + "'/><model type='virtio'/></interface>\n"
        + "    <serial type='pty'/>\n"
        + "    <controller type='usb' model='none'/>\n"
        + "    <memballoon model='none'/>\n"
        + "    <video><model type='none'/></video>\n"
        + "  </devices>\n"
        + "</domain>\n";
  }

  /**
   * A libvirt network on its own bridge with the gateway {@code subnet}.1/24 and one fixed lease
   * per guest. Forward mode open: libvirt adds no firewall rules, as ours adds none.
   */
  static String networkXml(String name, String bridge, String subnet, int guests) {
    StringBuilder hosts = new StringBuilder();
    for (int i = 0; i < guests; i++) {
      hosts
          .append("      <host mac='")
          .append(mac(1, i))
          .append("' ip='")
          .append(ip(subnet, i))
          .append("'/>\n");
    }
    return "<network>\n"
        + "  <name>"
        + name
        + "</name>\n"
        + "  <forward mode='open'/>\n"
        + "  <bridge name='"
        + bridge
        + "' stp='off' delay='0'/>\n"
        + "  <ip address='"
        + subnet
        + ".1' netmask='255.255.255.0'>\n"
        + "    <dhcp>\n"
        + hosts
        + "    </dhcp>\n"
        + "  </ip>\n"
        + "</network>\n";
  }

  static String describe() {
    return "the test guest of scripts/guest-fixture.sh (Debian cloud kernel + busybox initramfs,"
        + " DHCP, httpd on port 80), TCG, machine "
        + GuestShape.MACHINE
        + ", "
        + MEMORY_MIB
        + " MiB, 1 vCPU, one "
        + NIC_MODEL
        + " on a bridge with dnsmasq fixed leases, no disk, no display, -nodefaults;"
        + " kernel command line `"
        + BootingGuests.CMDLINE
        + "`";
  }

  /**
   * nanoTime of the first answer "HTTP/1.x 200" to {@code GET /} from {@code ip}:80, tried every 50
   * ms (each try gives up on connect after 250 ms, so the figure is late by at most about 0.3 s).
   */
  static long awaitHttp(String ip, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (answers200(ip)) {
        return System.nanoTime();
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("http://" + ip + "/ did not answer within " + timeout);
  }

  private static boolean answers200(String ip) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(ip, 80), 250);
      s.setSoTimeout(2000);
      OutputStream out = s.getOutputStream();
      out.write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] head = in.readNBytes(12);
      String status = new String(head, StandardCharsets.US_ASCII);
      return status.startsWith("HTTP/1.") && status.endsWith(" 200");
    } catch (IOException e) {
      return false;
    }
  }

  /** Removes the copies. */
  @Override
  public void close() throws IOException {
    try (var files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
