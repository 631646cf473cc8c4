package dev.kvmop.controller.host;

import static dev.kvmop.api.Conditions.MODULES_LOADED;
import static dev.kvmop.api.Conditions.READY;

import dev.kvmop.api.HostPhase;
import dev.kvmop.api.HostReasons;
import dev.kvmop.api.KvmHostStatus;
import dev.kvmop.api.KvmHostStatus.ModulesStatus;
import dev.kvmop.host.BuildPlan;
import dev.kvmop.host.HostAgent;
import dev.kvmop.host.HostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Built kvm modules in and out: inserts what /proc/modules lacks, swaps in a rebuild once no guest
 * runs, and at deletion unloads what the operator loaded, each module only while nothing uses it.
 */
final class KvmModules {
  private KvmModules() {}

  /** Loads the modules of {@code request}'s build. Connection problems are thrown. */
  static StepResult load(HostRound round, BuildPlan.Request request) throws HostException {
    ModulesStatus m = of(round.status());
    String stamp = request.stamp();
    Map<String, Integer> loaded = round.agent.loadedModules(round.spec().workDir);
    if (m.buildStamp != null
        && !m.buildStamp.equals(stamp)
        && Boolean.TRUE.equals(m.loadedByOperator)
        && loaded.containsKey(ModulePlan.KVM)) {
      int running = runningGuests(round.status());
      if (running > 0) {
        return waitForIdle(round, stamp, running);
      }
      List<String> inUse = unload(round.agent, loaded);
      if (!inUse.isEmpty()) {
        return inUse(round, inUse);
      }
      m.loadedByOperator = null;
      m.buildStamp = null;
      loaded = round.agent.loadedModules(round.spec().workDir);
    }
    StepResult inserted = insertMissing(round, request, loaded);
    if (inserted instanceof StepResult.Stop) {
      return inserted;
    }
    m.buildStamp = stamp;
    m.version = round.agent.moduleVersion(ModulePlan.KVM);
    round
        .conditions()
        .set(
            MODULES_LOADED,
            true,
            HostReasons.BUILT,
            "kvm built from source (stamp "
                + stamp.substring(0, 12)
                + ") and loaded"
                + (m.version == null ? "" : " (version " + m.version + ")"));
    return StepResult.NEXT;
  }

  /**
   * Unloads the modules the operator loaded, each only when its use count is 0; returns those left
   * loaded because they are in use.
   */
  static List<String> unloadOwn(KvmHostStatus status, HostAgent agent, String workDir)
      throws HostException {
    ModulesStatus m = status == null ? null : status.modules;
    if (m == null || !Boolean.TRUE.equals(m.loadedByOperator)) {
      return List.of();
    }
    List<String> inUse = unload(agent, agent.loadedModules(workDir));
    if (inUse.isEmpty()) {
      m.loadedByOperator = null;
    }
    return inUse;
  }

  /** status.modules, created when absent. */
  static ModulesStatus of(KvmHostStatus status) {
    if (status.modules == null) {
      status.modules = new ModulesStatus();
    }
    return status.modules;
  }

  /** The old modules stay while guests run; the host goes on with them. */
  private static StepResult waitForIdle(HostRound round, String stamp, int running) {
    round
        .conditions()
        .set(
            MODULES_LOADED,
            true,
            HostReasons.WAITING_FOR_IDLE,
            "kvm rebuilt for the changed spec (stamp "
                + stamp.substring(0, 12)
                + "); the modules are swapped once no guest runs ("
                + running
                + " running)");
    return StepResult.NEXT;
  }

  private static StepResult inUse(HostRound round, List<String> inUse) {
    round
        .conditions()
        .set(
            MODULES_LOADED,
            false,
            HostReasons.MODULES_IN_USE,
            "cannot swap the kvm modules: in use: " + String.join(", ", inUse));
    round
        .conditions()
        .set(READY, false, HostReasons.MODULES_IN_USE, "kvm modules in use by something else");
    return StepResult.stop(
        HostPhase.Provisioning, HostReasons.MODULES_IN_USE, "kvm modules in use");
  }

  /** insmod of each wanted module /proc/modules lacks; a failed insmod undoes the others. */
  private static StepResult insertMissing(
      HostRound round, BuildPlan.Request request, Map<String, Integer> loaded)
      throws HostException {
    HostAgent agent = round.agent;
    List<String> inserted = new ArrayList<>();
    for (String module : ModulePlan.missing(round.status().facts.virtualization, loaded)) {
      try {
        agent.insmod(BuildPlan.moduleFile(request, module));
        inserted.add(module);
      } catch (HostException e) {
        if (e.reason() != HostException.Reason.CommandFailed) {
          throw e;
        }
        removeQuietly(agent, inserted);
        return round.fail(
            MODULES_LOADED, HostReasons.INSMOD_FAILED, "insmod " + module + ": " + e.getMessage());
      }
    }
    if (!inserted.isEmpty()) {
      of(round.status()).loadedByOperator = true;
    }
    return StepResult.NEXT;
  }

  private static void removeQuietly(HostAgent agent, List<String> inserted) {
    List<String> undo = new ArrayList<>(inserted);
    Collections.reverse(undo);
    for (String module : undo) {
      try {
        agent.rmmod(module);
      } catch (HostException ignored) {
        // best effort: the condition says what failed
      }
    }
  }

  private static List<String> unload(HostAgent agent, Map<String, Integer> loaded)
      throws HostException {
    List<String> inUse = new ArrayList<>();
    for (String module : ModulePlan.unloadOrder(loaded)) {
      if (ModulePlan.unused(loaded, module) && inUse.isEmpty()) {
        agent.rmmod(module);
      } else {
        inUse.add(module);
      }
    }
    return inUse;
  }

  private static int runningGuests(KvmHostStatus status) {
    return status.guests == null || status.guests.running == null ? 0 : status.guests.running;
  }
}
