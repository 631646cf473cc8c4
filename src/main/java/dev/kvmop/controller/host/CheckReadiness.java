package dev.kvmop.controller.host;

import static dev.kvmop.api.Conditions.MODULES_LOADED;
import static dev.kvmop.api.Conditions.READY;
import static dev.kvmop.api.Conditions.VIRTUALIZATION_SUPPORTED;

import dev.kvmop.api.HostPhase;
import dev.kvmop.api.HostReasons;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.api.KvmHostStatus.HostFacts;
import dev.kvmop.api.ModulesMode;

/**
 * Whether the probed facts let the host run guests: hardware virtualization (or TCG, when allowed),
 * /dev/kvm for modules Builtin, and a runnable qemu (a built one is checked by {@link
 * CheckBuiltQemu}). Modprobe and Build set ModulesLoaded in {@link LoadModules}.
 */
final class CheckReadiness implements HostStep {
  @Override
  public StepResult run(HostRound round) {
    KvmHostSpec spec = round.spec();
    HostFacts facts = round.status().facts;
    boolean require = !Boolean.FALSE.equals(spec.kvm.requireHardwareVirtualization);
    boolean hardware = facts.virtualization != null && !"none".equals(facts.virtualization);
    var conditions = round.conditions();
    if (hardware) {
      conditions.set(
          VIRTUALIZATION_SUPPORTED, true, HostReasons.CPU_FLAG, "CPU flag " + facts.virtualization);
    } else if (require) {
      return round.fail(
          VIRTUALIZATION_SUPPORTED,
          HostReasons.NO_HARDWARE_VIRTUALIZATION,
          "no vmx or svm flag in the host's /proc/cpuinfo and"
              + " spec.kvm.requireHardwareVirtualization is true");
    } else {
      conditions.set(
          VIRTUALIZATION_SUPPORTED,
          false,
          HostReasons.TCG_ONLY,
          "no vmx/svm; guests run with TCG (allowed)");
    }
    if (spec.kvm.modules == ModulesMode.Builtin && !Boolean.TRUE.equals(facts.kvmDevice)) {
      if (require) {
        return round.fail(
            MODULES_LOADED, HostReasons.NO_KVM_DEVICE, "/dev/kvm is missing on the host");
      }
      conditions.set(
          MODULES_LOADED, true, HostReasons.TCG_ONLY, "no /dev/kvm; guests run with TCG");
    } else if (spec.kvm.modules == ModulesMode.Builtin) {
      conditions.set(MODULES_LOADED, true, HostReasons.BUILTIN, "/dev/kvm present");
    }
    if (facts.qemuVersion == null && !HostReadiness.builtQemu(spec)) {
      conditions.set(
          READY, false, HostReasons.QEMU_MISSING, spec.qemu.binary + " --version printed nothing");
      return StepResult.stop(
          HostPhase.Failed,
          HostReasons.QEMU_MISSING,
          spec.qemu.binary + " is missing or not runnable");
    }
    return StepResult.NEXT;
  }
}
