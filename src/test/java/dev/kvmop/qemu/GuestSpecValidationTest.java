package dev.kvmop.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.api.KvmGuestSpec;
import dev.kvmop.api.NetworkType;
import dev.kvmop.api.ObjectRef;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GuestSpecValidationTest {
  static KvmGuestSpec valid() {
    KvmGuestSpec spec = new KvmGuestSpec();
    spec.hostRef = new ObjectRef("node-a.lab");
    return spec;
  }

  static KvmGuestSpec.Disk imageDisk(String url, String hostPath, String sha256) {
    KvmGuestSpec.Disk d = new KvmGuestSpec.Disk();
    d.image = new KvmGuestSpec.Image();
    d.image.url = url;
    d.image.hostPath = hostPath;
    d.image.sha256 = sha256;
    return d;
  }

  @Test
  void diskSources() {
    String sha = "9F".repeat(32);
    KvmGuestSpec spec = valid();
    KvmGuestSpec.Disk two = imageDisk("http://x/a.img", null, sha);
    two.path = "/srv/a.img";
    spec.disks.add(two);
    spec.disks.add(imageDisk("http://x/a.img", null, null));
    spec.disks.add(imageDisk("http://x/a.img", null, "abc123"));
    spec.disks.add(imageDisk("http://x/a.img", "/srv/b.img", sha));
    spec.disks.add(imageDisk("ftp://x/a.img", null, sha));
    KvmGuestSpec.Disk sized = imageDisk(null, "/srv/b.img", null);
    sized.size = "lots";
    sized.image.format = "vmdk";
    spec.disks.add(sized);
    KvmGuestSpec.Disk empty = new KvmGuestSpec.Disk();
    empty.empty = new KvmGuestSpec.Empty();
    empty.size = "1Gi";
    spec.disks.add(empty);
    assertThat(GuestSpecValidation.validate(spec))
        .containsExactly(
            "spec.disks[0]: has path and image; give exactly one source",
            "spec.disks[1].image.sha256: required with url",
            "spec.disks[2].image.sha256: must be 64 hexadecimal digits, got \"abc123\"",
            "spec.disks[3].image: exactly one of url and hostPath must be set",
            "spec.disks[4].image.url: must be an http(s) URL, got \"ftp://x/a.img\"",
            "spec.disks[5].image.format: must be qcow2 or raw, got \"vmdk\"",
            "spec.disks[5].size: invalid quantity \"lots\" (e.g. 512Mi, 10Gi)",
            "spec.disks[6].empty.size: required",
            "spec.disks[6].size: only for image disks (an empty disk has empty.size)");
    spec.disks.clear();
    KvmGuestSpec.Disk ok = imageDisk(null, "/srv/b.img", null);
    ok.size = "10Gi";
    spec.disks.add(ok);
    spec.disks.add(imageDisk("https://x/a.img", null, sha));
    assertThat(GuestSpecValidation.validate(spec)).isEmpty();
  }

  @Test
  void cloudInit() {
    KvmGuestSpec spec = valid();
    spec.cloudInit = new KvmGuestSpec.CloudInit();
    assertThat(GuestSpecValidation.validate(spec)).isEmpty();
    spec.cloudInit.userData = "x".repeat(64 * 1024 + 1);
    spec.cloudInit.userDataSecretRef = new ObjectRef("Bad_Name");
    spec.cloudInit.networkData = "a\0b";
    spec.cloudInit.sshAuthorizedKeys =
        new java.util.ArrayList<>(java.util.List.of("ssh-ed25519 AAAA a", "two\nlines", " "));
    assertThat(GuestSpecValidation.validate(spec))
        .containsExactly(
            "spec.cloudInit.userData: 65537 bytes, at most 65536 (64 KiB)",
            "spec.cloudInit.networkData: contains a NUL byte",
            "spec.cloudInit.userDataSecretRef.name: \"Bad_Name\" is not a DNS-1123 subdomain",
            "spec.cloudInit: give userData or userDataSecretRef, not both",
            "spec.cloudInit.sshAuthorizedKeys[1]: must be one line without control characters",
            "spec.cloudInit.sshAuthorizedKeys[2]: required");
  }

  @Test
  void defaultsAreValid() {
    assertThat(GuestSpecValidation.validate(valid())).isEmpty();
  }

  @Test
  void ownedOptionsInExtraArgsAreRefused() {
    KvmGuestSpec spec = valid();
    spec.extraArgs =
        List.of(
            "-rtc",
            "-daemonize",
            "base=utc",
            "--pidfile",
            "-qmp-pretty",
            "-monitor",
            "-name",
            "-uuid",
            "-runas",
            "-chroot",
            "-run-with",
            "-qmp",
            "-nodefaults",
            "---name");
    assertThat(GuestSpecValidation.validate(spec))
        .containsExactly(
            "spec.extraArgs[1]: -daemonize is set by the operator",
            "spec.extraArgs[3]: --pidfile is set by the operator",
            "spec.extraArgs[4]: -qmp-pretty is set by the operator",
            "spec.extraArgs[5]: -monitor is set by the operator",
            "spec.extraArgs[6]: -name is set by the operator",
            "spec.extraArgs[7]: -uuid is set by the operator",
            "spec.extraArgs[8]: -runas is set by the operator",
            "spec.extraArgs[9]: -chroot is set by the operator",
            "spec.extraArgs[10]: -run-with is set by the operator",
            "spec.extraArgs[11]: -qmp is set by the operator");
  }

  @Test
  void shellMetacharactersAreNotErrors() {
    KvmGuestSpec spec = valid();
    spec.extraArgs = List.of("; rm -rf /", "$(id)", "`id`", "a && b | c > /etc/passwd", "x\ny");
    assertThat(GuestSpecValidation.validate(spec)).isEmpty();
  }

  @Test
  void nulAndOversizedStringsAreRefused() {
    KvmGuestSpec spec = valid();
    spec.extraArgs = List.of("-a\0b", "x".repeat(4097), "y".repeat(4096));
    assertThat(GuestSpecValidation.validate(spec))
        .containsExactly(
            "spec.extraArgs[0]: contains a NUL byte",
            "spec.extraArgs[1]: 4097 characters, at most 4096");
  }

  @Test
  void totalArgvSizeIsBounded() {
    KvmGuestSpec spec = valid();
    spec.extraArgs = new ArrayList<>(Collections.nCopies(17, "z".repeat(4000)));
    assertThat(GuestSpecValidation.validate(spec))
        .containsExactly("spec: qemu arguments total 68000 bytes, at most 65536");
  }

  @Test
  void megabyteStringsAreRefusedEverywhere() {
    String huge = "/" + "a".repeat(1 << 20);
    KvmGuestSpec spec = valid();
    spec.disks.add(QemuArgsGoldenTest.disk(huge, "raw", "virtio", false));
    spec.kernel = new KvmGuestSpec.Kernel();
    spec.kernel.path = "/vmlinuz";
    spec.kernel.cmdline = huge;
    spec.machine = huge;
    spec.network.ip = huge;
    spec.memory = huge;
    assertThat(GuestSpecValidation.validate(spec))
        .hasSize(6)
        .allSatisfy(e -> assertThat(e.length()).isLessThan(300));
  }

  @Test
  void scalarFields() {
    KvmGuestSpec spec = valid();
    spec.cpus = 0;
    spec.memory = "512k";
    spec.machine = "pc,accel=kvm";
    spec.runStrategy = null;
    spec.accel = null;
    spec.gracePeriodSeconds = null;
    spec.readinessProbe = new KvmGuestSpec.ReadinessProbe();
    spec.readinessProbe.tcpPort = 70000;
    assertThat(GuestSpecValidation.validate(spec))
        .containsExactly(
            "spec.runStrategy: required",
            "spec.accel: required",
            "spec.cpus: must be >= 1",
            "spec.memory: invalid quantity \"512k\" (e.g. 512Mi, 2Gi)",
            "spec.machine: invalid machine type \"pc,accel=kvm\"",
            "spec.readinessProbe.tcpPort: must be <= 65535",
            "spec.gracePeriodSeconds: required");
  }

  @Test
  void memoryBelowOneMebibyte() {
    KvmGuestSpec spec = valid();
    spec.memory = "1000Ki";
    assertThat(GuestSpecValidation.validate(spec))
        .containsExactly("spec.memory: 1000Ki is less than 1Mi");
  }

  @Test
  void disksAndKernel() {
    KvmGuestSpec spec = valid();
    spec.disks.add(QemuArgsGoldenTest.disk("relative.qcow2", "qcow2", "virtio", false));
    spec.disks.add(QemuArgsGoldenTest.disk("/a\0b", "iso", null, false));
    spec.disks.add(null);
    spec.disks.add(QemuArgsGoldenTest.disk(null, "raw", "ide", true));
    spec.kernel = new KvmGuestSpec.Kernel();
    spec.kernel.initrd = "initrd";
    assertThat(GuestSpecValidation.validate(spec))
        .containsExactly(
            "spec.disks[0].path: must be an absolute path, got \"relative.qcow2\"",
            "spec.disks[1].path: contains a NUL byte",
            "spec.disks[1].format: must be one of [qcow2, qed, raw, vdi, vhdx, vmdk], got"
                + " \"iso\"",
            "spec.disks[1].bus: must be one of [ide, none, scsi, sd, virtio], got null",
            "spec.disks[2]: required",
            "spec.disks[3]: needs one of path, image and empty",
            "spec.kernel.initrd: must be an absolute path, got \"initrd\"",
            "spec.kernel.initrd: needs spec.kernel.path");
  }

  @Test
  void network() {
    KvmGuestSpec spec = valid();
    spec.network.ip = "10.0.0.256";
    spec.network.model = "virtio-net-pci,romfile=/x";
    spec.network.type = null;
    assertThat(GuestSpecValidation.validate(spec))
        .containsExactly(
            "spec.network.type: required",
            "spec.network.model: invalid NIC model \"virtio-net-pci,romfile=/x\"",
            "spec.network.ip: invalid IP address or hostname \"10.0.0.256\"");
  }

  @ParameterizedTest
  @ValueSource(strings = {"10.0.0.10", "fe80::1", "guest-1.lab", ""})
  void requestedIpSyntax(String ip) {
    KvmGuestSpec spec = valid();
    spec.network.ip = ip;
    assertThat(GuestSpecValidation.validate(spec)).isEmpty();
  }

  @Test
  void noneNetworkTakesNoAddress() {
    KvmGuestSpec spec = valid();
    spec.network.type = NetworkType.None;
    spec.network.ip = "10.0.0.10";
    assertThat(GuestSpecValidation.validate(spec))
        .containsExactly("spec.network.ip: must be empty when spec.network.type is None");
  }

  @Test
  void nullNetwork() {
    KvmGuestSpec spec = valid();
    spec.network = null;
    assertThat(GuestSpecValidation.validate(spec)).containsExactly("spec.network: required");
  }

  @Test
  void unknownEnumValuesReadAsUnrecognizedAndAreRefused() {
    var json = new io.fabric8.kubernetes.client.utils.KubernetesSerialization();
    String text =
        json.asJson(valid())
            .replace("\"Always\"", "\"always\"")
            .replace("\"Auto\"", "\"Hvf\"")
            .replace("\"Bridge\"", "\"Macvtap\"");
    KvmGuestSpec spec = json.unmarshal(text, KvmGuestSpec.class);
    // JOSDK clones through JSON: the value must stay unrecognized, not fall back to the default.
    KvmGuestSpec cloned = json.unmarshal(json.asJson(spec), KvmGuestSpec.class);
    for (KvmGuestSpec s : List.of(spec, cloned)) {
      assertThat(s.runStrategy).isEqualTo(dev.kvmop.api.RunStrategy.Unrecognized);
      assertThat(s.accel).isEqualTo(dev.kvmop.api.Accel.Unrecognized);
      assertThat(s.network.type).isEqualTo(NetworkType.Unrecognized);
      assertThat(GuestSpecValidation.validate(s))
          .containsExactly(
              "spec.runStrategy: must be one of Always, RerunOnFailure, Manual, Halted",
              "spec.accel: must be one of Auto, Kvm, Tcg",
              "spec.network.type: must be one of Bridge, User, None");
    }
  }
}
