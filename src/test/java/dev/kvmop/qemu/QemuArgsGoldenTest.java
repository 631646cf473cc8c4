package dev.kvmop.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvmop.api.KvmGuestSpec;
import dev.kvmop.api.NetworkType;
import dev.kvmop.api.ObjectRef;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Compares {@link QemuArgs#build} with {@code src/test/resources/golden/qemu/<case>.argv}: one argv
 * element per line, with {@code \} written as {@code \\} and newline as {@code \n}. To accept a
 * changed argv, run {@code mvn test -Dtest=QemuArgsGoldenTest -Dgolden.update=true} and review the
 * diff of the .argv files.
 */
class QemuArgsGoldenTest {
  static final Path GOLDEN = Path.of("src/test/resources/golden/qemu");
  static final String UID = "8d3f2c1e-5b7a-4e39-9c1d-2f6a0b4e7c90";
  static final String DIR = "/var/lib/kvmop/guests/lab_vm1_" + UID;
  static final String QEMU = "/usr/bin/qemu-system-x86_64";
  static final String IFUP = "/var/lib/kvmop/qemu-ifup";
  static final String MAC = "52:54:00:00:00:10";

  static KvmGuestSpec spec() {
    KvmGuestSpec spec = new KvmGuestSpec();
    spec.hostRef = new ObjectRef("node-a");
    return spec;
  }

  static LaunchSpec launch(KvmGuestSpec spec, String accel, String mac, String biosDir) {
    return new LaunchSpec("lab", "vm1", UID, DIR, QEMU, biosDir, spec, accel, mac, IFUP);
  }

  @Test
  void minimal() throws IOException {
    KvmGuestSpec spec = spec();
    spec.machine = "none";
    spec.memory = "64Mi";
    spec.network.type = NetworkType.None;
    assertGolden("minimal", launch(spec, "tcg", null, ""));
  }

  @Test
  void bridgeWithDisksAndKernel() throws IOException {
    KvmGuestSpec spec = spec();
    spec.cpus = 4;
    spec.memory = "2Gi";
    spec.machine = "q35";
    spec.disks.add(disk("/srv/img/root.qcow2", "qcow2", "virtio", false));
    spec.disks.add(disk("/srv/img/seed.iso", "raw", "ide", true));
    spec.kernel = new KvmGuestSpec.Kernel();
    spec.kernel.path = "/srv/boot/vmlinuz";
    spec.kernel.initrd = "/srv/boot/initrd.img";
    spec.kernel.cmdline = "console=ttyS0 root=/dev/vda1 ro";
    assertGolden("bridge-disks-kernel", launch(spec, "kvm", MAC, null));
  }

  /** Image and empty disks are the guest's own qcow2 files; the seed is a vvfat drive. */
  @Test
  void imageEmptyAndPathDisksWithSeed() throws IOException {
    KvmGuestSpec spec = spec();
    spec.network.type = NetworkType.User;
    KvmGuestSpec.Disk image = new KvmGuestSpec.Disk();
    image.image = new KvmGuestSpec.Image();
    image.image.url = "http://images.lab/debian-12.qcow2";
    image.image.sha256 = "9f".repeat(32);
    image.image.format = "raw";
    image.size = "10Gi";
    image.format = "raw"; // of a path disk only: an image disk is always the guest's qcow2
    spec.disks.add(image);
    spec.disks.add(disk("/srv/img/data,readonly=off.img", "raw", "ide", true));
    KvmGuestSpec.Disk empty = new KvmGuestSpec.Disk();
    empty.empty = new KvmGuestSpec.Empty();
    empty.empty.size = "2Gi";
    empty.bus = "scsi";
    spec.disks.add(empty);
    spec.cloudInit = new KvmGuestSpec.CloudInit();
    assertThat(GuestSpecValidation.validate(spec)).isEmpty();
    assertGolden("image-empty-seed", launch(spec, "tcg", MAC, ""));
  }

  @Test
  void userNetworkWithHostileExtraArgs() throws IOException {
    KvmGuestSpec spec = spec();
    spec.network.type = NetworkType.User;
    spec.network.model = "e1000";
    spec.extraArgs =
        List.of("-rtc", "base=utc", "; rm -rf /", "$(id)", "`id`", "'\"\\", "two\nlines");
    assertThat(GuestSpecValidation.validate(spec)).isEmpty();
    assertGolden("user-extra-args", launch(spec, "tcg", MAC, ""));
  }

  @Test
  void biosDir() throws IOException {
    KvmGuestSpec spec = spec();
    spec.network.type = NetworkType.None;
    assertGolden("bios-dir", launch(spec, "tcg", null, "/usr/share/seabios"));
  }

  @Test
  void commasAreDoubledInsideOptionStrings() throws IOException {
    KvmGuestSpec spec = spec();
    spec.disks.add(disk("/srv/img/a,readonly=off.qcow2", "qcow2", "virtio", true));
    String dir = "/srv/kvm,op/guests/lab_vm,1_" + UID;
    LaunchSpec launch =
        new LaunchSpec(
            "lab", "vm,1", UID, dir, QEMU, "/fw,dir", spec, "tcg", MAC, "/srv/kvm,op/qemu-ifup");
    assertGolden("commas", launch);
  }

  @Test
  void networkNeedsAMac() {
    KvmGuestSpec spec = spec();
    assertThatThrownBy(() -> QemuArgs.build(launch(spec, "tcg", null, "")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("MAC");
  }

  @Test
  void accelMustBeResolved() {
    assertThatThrownBy(() -> launch(spec(), "Auto", MAC, ""))
        .isInstanceOf(IllegalArgumentException.class);
  }

  static KvmGuestSpec.Disk disk(String path, String format, String bus, boolean readOnly) {
    KvmGuestSpec.Disk disk = new KvmGuestSpec.Disk();
    disk.path = path;
    disk.format = format;
    disk.bus = bus;
    disk.readOnly = readOnly;
    return disk;
  }

  static void assertGolden(String name, LaunchSpec launch) throws IOException {
    List<String> argv = QemuArgs.build(launch);
    Path file = GOLDEN.resolve(name + ".argv");
    String actual = encode(argv);
    if (Boolean.getBoolean("golden.update")) {
      Files.createDirectories(GOLDEN);
      Files.writeString(file, actual, StandardCharsets.UTF_8);
      return;
    }
    assertThat(file)
        .as("golden file %s missing; run with -Dgolden.update=true to create it", file)
        .exists();
    assertThat(actual).isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
    assertThat(decode(actual)).isEqualTo(argv);
  }

  static String encode(List<String> argv) {
    StringBuilder sb = new StringBuilder();
    for (String element : argv) {
      sb.append(element.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
    }
    return sb.toString();
  }

  static List<String> decode(String text) {
    List<String> out = new ArrayList<>();
    for (String line : text.split("\n", -1)) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < line.length(); i++) {
        char c = line.charAt(i);
        if (c == '\\' && i + 1 < line.length()) {
          char next = line.charAt(++i);
          sb.append(next == 'n' ? '\n' : next);
        } else {
          sb.append(c);
        }
      }
      out.add(sb.toString());
    }
    out.remove(out.size() - 1); // the text ends with a newline
    return out;
  }
}
