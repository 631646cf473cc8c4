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
    boolean require = !Boolean.FALSE.equals(round.spec().kvm.requireHardwareVirtualization);
    StepResult virtualization = virtualization(round, require);
    if (virtualization instanceof StepResult.Stop) {
      return virtualization;
    }
    StepResult device = kvmDevice(round, require);
    if (device instanceof StepResult.Stop) {
      return device;
    }
    return qemu(round);
  }

  private static StepResult virtualization(HostRound round, boolean require) {
    String flag = round.status().facts.virtualization;
    if (flag != null && !"none".equals(flag)) {
      round
          .conditions()
          .set(VIRTUALIZATION_SUPPORTED, true, HostReasons.CPU_FLAG, "CPU flag " + flag);
    } else if (require) {
      return round.fail(
          VIRTUALIZATION_SUPPORTED,
          HostReasons.NO_HARDWARE_VIRTUALIZATION,
          "no vmx or svm flag in the host's /proc/cpuinfo and"
              + " spec.kvm.requireHardwareVirtualization is true");
    } else {
      round
          .conditions()
          .set(
              VIRTUALIZATION_SUPPORTED,
              false,
              HostReasons.TCG_ONLY,
              "no vmx/svm; guests run with TCG (allowed)");
    }
    return StepResult.NEXT;
  }

  /** Modules Builtin: /dev/kvm, or TCG when allowed. */
  private static StepResult kvmDevice(HostRound round, boolean require) {
    if (round.spec().kvm.modules != ModulesMode.Builtin) {
      return StepResult.NEXT;
    }
    if (Boolean.TRUE.equals(round.status().facts.kvmDevice)) {
      round.conditions().set(MODULES_LOADED, true, HostReasons.BUILTIN, "/dev/kvm present");
    } else if (require) {
      return round.fail(
          MODULES_LOADED, HostReasons.NO_KVM_DEVICE, "/dev/kvm is missing on the host");
    } else {
      round
          .conditions()
          .set(MODULES_LOADED, true, HostReasons.TCG_ONLY, "no /dev/kvm; guests run with TCG");
    }
    return StepResult.NEXT;
  }

  private static StepResult qemu(HostRound round) {
    KvmHostSpec spec = round.spec();
    HostFacts facts = round.status().facts;
    if (facts.qemuVersion != null || HostReadiness.builtQemu(spec)) {
      return StepResult.NEXT;
    }
    round
        .conditions()
        .set(
            READY,
            false,
            HostReasons.QEMU_MISSING,
            spec.qemu.binary + " --version printed nothing");
    return StepResult.stop(
        HostPhase.Failed,
        HostReasons.QEMU_MISSING,
        spec.qemu.binary + " is missing or not runnable");
  }
}
