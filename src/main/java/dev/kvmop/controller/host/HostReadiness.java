package dev.kvmop.controller.host;

import static dev.kvmop.api.Conditions.MODULES_LOADED;
import static dev.kvmop.api.Conditions.READY;
import static dev.kvmop.api.Conditions.VIRTUALIZATION_SUPPORTED;

import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.api.KvmHostStatus.HostFacts;
import dev.kvmop.api.ModulesMode;
import dev.kvmop.controller.StatusConditions;

/** Decides from probed facts whether a host can run guests (pure; no I/O). */
final class HostReadiness {
  private HostReadiness() {}

  /** Sets the virtualization and modules conditions; returns a blocking outcome, or null. */
  static HostOutcome assess(KvmHostSpec spec, HostFacts facts, StatusConditions conditions) {
    boolean require = !Boolean.FALSE.equals(spec.kvm.requireHardwareVirtualization);
    boolean hardware = facts.virtualization != null && !"none".equals(facts.virtualization);
    if (hardware) {
      conditions.set(VIRTUALIZATION_SUPPORTED, true, "CpuFlag", "CPU flag " + facts.virtualization);
    } else if (require) {
      return block(
          conditions,
          VIRTUALIZATION_SUPPORTED,
          "NoHardwareVirtualization",
          "no vmx or svm flag in the host's /proc/cpuinfo and"
              + " spec.kvm.requireHardwareVirtualization is true");
    } else {
      conditions.set(
          VIRTUALIZATION_SUPPORTED, false, "TcgOnly", "no vmx/svm; guests run with TCG (allowed)");
    }
    if (spec.kvm.modules == ModulesMode.Builtin) {
      if (Boolean.TRUE.equals(facts.kvmDevice)) {
        conditions.set(MODULES_LOADED, true, "Builtin", "/dev/kvm present");
      } else if (require) {
        return block(conditions, MODULES_LOADED, "NoKvmDevice", "/dev/kvm is missing on the host");
      } else {
        conditions.set(MODULES_LOADED, true, "TcgOnly", "no /dev/kvm; guests run with TCG");
      }
    }
    // Modprobe and Build: ModulesLoaded is set by HostProvisioning once the modules are in.
    if (facts.qemuVersion == null && !builtQemu(spec)) {
      conditions.set(READY, false, "QemuMissing", spec.qemu.binary + " --version printed nothing");
      return new HostOutcome(
          HostPhase.Failed, "QemuMissing", spec.qemu.binary + " is missing or not runnable");
    }
    return null;
  }

  /** spec.qemu.binary is empty with modules Build: qemu comes from the build (checked later). */
  static boolean builtQemu(KvmHostSpec spec) {
    return spec.kvm.modules == ModulesMode.Build
        && (spec.qemu.binary == null || spec.qemu.binary.isBlank());
  }

  /** The qemu binary guests use; null while a built one is not there yet. */
  static String qemuBinary(KvmHostSpec spec, dev.kvmop.api.KvmHostStatus status) {
    if (!builtQemu(spec)) {
      return spec.qemu.binary;
    }
    String stamp = status == null || status.modules == null ? null : status.modules.buildStamp;
    return stamp == null ? null : dev.kvmop.host.BuildPlan.qemuBinary(spec.workDir, stamp);
  }

  private static HostOutcome block(
      StatusConditions conditions, String type, String reason, String message) {
    conditions.set(type, false, reason, message);
    conditions.set(READY, false, reason, message);
    return new HostOutcome(HostPhase.Failed, reason, message);
  }
}
