package dev.kvmop.controller.host;

import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.api.KvmHostStatus;
import dev.kvmop.api.ModulesMode;
import dev.kvmop.host.BuildPlan;

/** Which qemu binary a host's guests use (pure; no I/O); the checks are {@link CheckReadiness}. */
final class HostReadiness {
  private HostReadiness() {}

  /** spec.qemu.binary is empty with modules Build: qemu comes from the build. */
  static boolean builtQemu(KvmHostSpec spec) {
    return spec.kvm.modules == ModulesMode.Build
        && (spec.qemu.binary == null || spec.qemu.binary.isBlank());
  }

  /** spec.qemu.binary, or the one built with kvm; null while a built one is not there yet. */
  static String qemuBinary(KvmHostSpec spec, KvmHostStatus status) {
    if (!builtQemu(spec)) {
      return spec.qemu.binary;
    }
    String stamp = status == null || status.modules == null ? null : status.modules.buildStamp;
    return stamp == null ? null : BuildPlan.qemuBinary(spec.workDir, stamp);
  }
}
