package dev.kvmop.controller.host;

import static dev.kvmop.api.Conditions.MODULES_LOADED;
import static dev.kvmop.api.Conditions.READY;

import dev.kvmop.api.HostPhase;
import dev.kvmop.api.HostReasons;
import dev.kvmop.api.KvmHostStatus;
import dev.kvmop.host.HostException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The KVM modules for modes Modprobe (modprobe what /proc/modules lacks) and Build ({@link
 * KvmBuild}); Builtin needs nothing here. A build reports each step while it runs: phase
 * Provisioning, ModulesLoaded=False with the step's name as reason, put on record at once.
 */
record LoadModules(KvmBuild build, HostTransitions transitions) implements HostStep {
  private static final Logger log = LoggerFactory.getLogger(LoadModules.class);

  @Override
  public StepResult run(HostRound round) throws HostException {
    return switch (round.spec().kvm.modules) {
      case Modprobe -> modprobe(round);
      case Build -> build.run(round, step -> progress(round, step));
      default -> StepResult.NEXT;
    };
  }

  private static StepResult modprobe(HostRound round) throws HostException {
    KvmHostStatus status = round.status();
    List<String> missing =
        ModulePlan.missing(
            status.facts.virtualization, round.agent.loadedModules(round.spec().workDir));
    if (!missing.isEmpty()) {
      try {
        round.agent.modprobe(missing);
      } catch (HostException e) {
        if (e.reason() != HostException.Reason.CommandFailed) {
          throw e;
        }
        return round.fail(
            MODULES_LOADED,
            HostReasons.MODPROBE_FAILED,
            "modprobe " + missing + ": " + e.getMessage());
      }
      KvmModules.of(status).loadedByOperator = true;
    }
    String version = round.agent.moduleVersion(ModulePlan.KVM);
    KvmModules.of(status).version = version;
    round
        .conditions()
        .set(
            MODULES_LOADED,
            true,
            HostReasons.MODPROBE,
            String.join(", ", ModulePlan.wanted(status.facts.virtualization))
                + " loaded"
                + (version == null ? "" : " (version " + version + ")"));
    return StepResult.NEXT;
  }

  private void progress(HostRound round, String step) {
    String message = "building kvm: step " + step;
    round.conditions().set(MODULES_LOADED, false, step, message);
    round.conditions().set(READY, false, HostReasons.PROVISIONING, message);
    transitions.enter(round.host(), new HostOutcome(HostPhase.Provisioning, step, message));
    try {
      round.record();
    } catch (RuntimeException e) {
      log.debug("progress status update failed: {}", e.toString());
    }
  }
}
