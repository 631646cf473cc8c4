package dev.kvmop.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.api.ExtraArgsPolicy;
import dev.kvmop.api.GuestPolicy;
import dev.kvmop.api.KvmGuestSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GuestPolicyChecksTest {
  static GuestPolicy policy(ExtraArgsPolicy extraArgs, String... allowed) {
    GuestPolicy p = new GuestPolicy();
    p.extraArgs = extraArgs;
    p.allowedPaths = new ArrayList<>(List.of(allowed));
    return p;
  }

  static KvmGuestSpec withDisk(String path) {
    KvmGuestSpec spec = new KvmGuestSpec();
    spec.disks.add(QemuArgsGoldenTest.disk(path, "raw", "virtio", false));
    return spec;
  }

  @Test
  void theDefaultPolicyRefusesEveryHostPathAndExtraArgs() {
    KvmGuestSpec spec = withDisk("/etc/shadow");
    spec.extraArgs = new ArrayList<>(List.of("-netdev", "tap,id=x,script=/tmp/s"));

    assertThat(GuestPolicyChecks.check(spec, new GuestPolicy()))
        .containsExactly(
            "spec.extraArgs: refused by the host's guestPolicy.extraArgs Forbidden",
            "spec.disks[0].path: /etc/shadow is outside the host's guestPolicy.allowedPaths []");
  }

  @Test
  void pathsMustLieBelowAnAllowedDirectorySegmentWise() {
    GuestPolicy p = policy(ExtraArgsPolicy.Forbidden, "/srv/vm");
    assertThat(GuestPolicyChecks.check(withDisk("/srv/vm/a.img"), p)).isEmpty();
    assertThat(GuestPolicyChecks.check(withDisk("/srv/vm2/a.img"), p))
        .containsExactly(
            "spec.disks[0].path: /srv/vm2/a.img is outside the host's guestPolicy.allowedPaths"
                + " [/srv/vm]");
    assertThat(GuestPolicyChecks.check(withDisk("/srv/vm"), p)).hasSize(1);
    assertThat(GuestPolicyChecks.check(withDisk("/srv/vm/../../etc/shadow"), p))
        .containsExactly(
            "spec.disks[0].path: /srv/vm/../../etc/shadow holds . or .. segments or //; refused");
    assertThat(GuestPolicyChecks.check(withDisk("/srv/vm//a"), p)).hasSize(1);
  }

  @Test
  void everyHostPathFieldIsChecked() {
    KvmGuestSpec spec = new KvmGuestSpec();
    KvmGuestSpec.Disk image = new KvmGuestSpec.Disk();
    image.image = new KvmGuestSpec.Image();
    image.image.hostPath = "/root/base.qcow2";
    spec.disks.add(image);
    spec.kernel = new KvmGuestSpec.Kernel();
    spec.kernel.path = "/boot/vmlinuz";
    spec.kernel.initrd = "/srv/vm/initrd";

    assertThat(GuestPolicyChecks.hostPaths(spec))
        .extracting(GuestPolicyChecks.HostPath::field)
        .containsExactly("spec.disks[0].image.hostPath", "spec.kernel.path", "spec.kernel.initrd");
    assertThat(GuestPolicyChecks.check(spec, policy(ExtraArgsPolicy.Allowed, "/srv/vm")))
        .hasSize(2)
        .allMatch(
            e -> e.startsWith("spec.disks[0].image.hostPath") || e.startsWith("spec.kernel.path"));
  }

  @Test
  void resolvedPathsOutsideTheResolvedAllowedDirectoriesAreRefused() {
    var paths = List.of(new GuestPolicyChecks.HostPath("spec.disks[0].path", "/srv/vm/link"));
    GuestPolicy p = policy(ExtraArgsPolicy.Forbidden, "/srv/vm");

    assertThat(
            GuestPolicyChecks.resolvedErrors(paths, List.of("/etc/shadow"), p, List.of("/srv/vm")))
        .containsExactly(
            "spec.disks[0].path: /srv/vm/link resolves to /etc/shadow, outside the host's"
                + " guestPolicy.allowedPaths [/srv/vm]");
    // an allowed directory that is itself a link: compared with where it leads
    assertThat(
            GuestPolicyChecks.resolvedErrors(
                paths, List.of("/data/vm/disk.img"), p, List.of("/data/vm")))
        .isEmpty();
  }

  @Test
  void extraArgsPassWhenAllowed() {
    KvmGuestSpec spec = new KvmGuestSpec();
    spec.extraArgs = new ArrayList<>(List.of("-vga", "none"));
    assertThat(GuestPolicyChecks.check(spec, policy(ExtraArgsPolicy.Allowed))).isEmpty();
  }

  @Test
  void thePolicyItselfIsValidated() {
    GuestPolicy p = policy(ExtraArgsPolicy.Unrecognized, "srv", "/srv/../etc");
    p.runAs = "root";
    assertThat(GuestPolicyChecks.policyErrors(p))
        .containsExactly(
            "spec.guestPolicy.extraArgs: must be one of Forbidden, Allowed",
            "spec.guestPolicy.allowedPaths[0]: must be an absolute path, got \"srv\"",
            "spec.guestPolicy.allowedPaths[1]: must not hold . or .. segments, // or a newline:"
                + " /srv/../etc",
            "spec.guestPolicy.runAs: must be an unprivileged user, not root");
  }

  @Test
  void runAsConfinesQemu() {
    KvmGuestSpec spec = QemuArgsGoldenTest.spec();
    List<String> argv =
        QemuArgs.build(
            new LaunchSpec(
                "ns",
                "g",
                "uid-1",
                "/w/guests/ns_g_uid-1",
                "/usr/bin/qemu",
                "",
                spec,
                "tcg",
                "52:54:00:00:00:10",
                "/w/qemu-ifup",
                "kvmop-qemu"));
    int i = argv.indexOf("-runas");
    assertThat(argv.get(i + 1)).isEqualTo("kvmop-qemu");
    assertThat(argv.get(argv.indexOf("-sandbox") + 1))
        .isEqualTo("on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
    assertThat(
            QemuArgs.build(
                new LaunchSpec(
                    "ns",
                    "g",
                    "uid-1",
                    "/w/guests/ns_g_uid-1",
                    "/usr/bin/qemu",
                    "",
                    spec,
                    "tcg",
                    "52:54:00:00:00:10",
                    "/w/qemu-ifup")))
        .doesNotContain("-runas", "-sandbox");
  }
}
