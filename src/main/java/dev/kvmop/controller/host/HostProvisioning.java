package dev.kvmop.controller.host;

import static dev.kvmop.api.Conditions.MODULES_LOADED;
import static dev.kvmop.api.Conditions.READY;

import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmHost;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.api.KvmHostStatus;
import dev.kvmop.api.KvmHostStatus.ModulesStatus;
import dev.kvmop.controller.EventRecorder;
import dev.kvmop.controller.StatusConditions;
import dev.kvmop.host.BuildException;
import dev.kvmop.host.BuildPlan;
import dev.kvmop.host.BuildStep;
import dev.kvmop.host.HostAgent;
import dev.kvmop.host.HostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Loads the KVM modules for modes Modprobe and Build, and unloads what the operator loaded when a
 * host is deleted. The build's progress is reported through condition ModulesLoaded=False with the
 * step name (Fetch, Verify, Unpack, Clean, Configure, Sync, Make, Stamp) as reason.
 */
final class HostProvisioning {
  /** A failed build is retried after this long even when the spec does not change. */
  static final Duration BUILD_RETRY = Duration.ofMinutes(5);

  private record Failure(String attempt, Instant at, String reason, String message) {}

  private final EventRecorder events;
  private final Clock clock;
  private final Map<String, Failure> failures = new ConcurrentHashMap<>();

  HostProvisioning(EventRecorder events, Clock clock) {
    this.events = events;
    this.clock = clock;
  }

  /**
   * Makes sure the modules are loaded; returns a blocking outcome, or null when the host may go on.
   * Connection problems are thrown; failed module commands become outcomes.
   */
  HostOutcome ensureModules(
      KvmHost host, HostAgent agent, StatusConditions conditions, Consumer<String> progress)
      throws HostException {
    KvmHostSpec spec = host.getSpec();
    return switch (spec.kvm.modules) {
      case Builtin -> null;
      case Modprobe -> modprobe(host, agent, conditions);
      case Build -> build(host, agent, conditions, progress);
      default -> null;
    };
  }

  private HostOutcome modprobe(KvmHost host, HostAgent agent, StatusConditions conditions)
      throws HostException {
    KvmHostStatus status = host.getStatus();
    List<String> missing =
        ModulePlan.missing(
            status.facts.virtualization, agent.loadedModules(host.getSpec().workDir));
    if (!missing.isEmpty()) {
      try {
        agent.modprobe(missing);
      } catch (HostException e) {
        if (e.reason() != HostException.Reason.CommandFailed) {
          throw e;
        }
        return fail(conditions, "ModprobeFailed", "modprobe " + missing + ": " + e.getMessage());
      }
      modules(status).loadedByOperator = true;
    }
    String version = agent.moduleVersion(ModulePlan.KVM);
    modules(status).version = version;
    conditions.set(
        MODULES_LOADED,
        true,
        "Modprobe",
        String.join(", ", ModulePlan.wanted(status.facts.virtualization))
            + " loaded"
            + (version == null ? "" : " (version " + version + ")"));
    return null;
  }

  private HostOutcome build(
      KvmHost host, HostAgent agent, StatusConditions conditions, Consumer<String> progress)
      throws HostException {
    KvmHostSpec spec = host.getSpec();
    KvmHostStatus status = host.getStatus();
    String hostId = KvmHostReconciler.hostId(host);
    KvmHostSpec.Build b = spec.kvm.build;
    BuildPlan.Request request;
    try {
      String sha =
          b.source.sha256 != null && !b.source.sha256.isBlank()
              ? b.source.sha256
              : agent.sha256(b.source.hostPath);
      request = request(spec, sha);
    } catch (BuildException e) {
      return fail(conditions, "VerifyFailed", e.getMessage());
    }
    String stamp = request.stamp();
    // The source location is not part of the stamp (same bytes, same modules), but a fixed URL
    // or path must retry a failed build at once.
    String attempt = stamp + "\n" + b.source.url + "\n" + b.source.hostPath;
    Failure failure = failures.get(hostId);
    if (failure != null
        && failure.attempt().equals(attempt)
        && Instant.now(clock).isBefore(failure.at().plus(BUILD_RETRY))) {
      return fail(conditions, failure.reason(), failure.message());
    }
    if (!stamp.equals(agent.buildStamp(spec.workDir))) {
      int cpus = status.facts.cpus == null ? 1 : status.facts.cpus;
      for (BuildStep step : BuildPlan.steps(request, cpus)) {
        progress.accept(step.name());
        try {
          agent.runBuildStep(step);
        } catch (BuildException e) {
          String reason = e.step() + "Failed";
          String message =
              "kvm build step "
                  + e.step()
                  + ": "
                  + e.getMessage()
                  + (e.outputTail().isBlank() ? "" : "\n" + e.outputTail());
          failures.put(hostId, new Failure(attempt, Instant.now(clock), reason, message));
          return fail(conditions, reason, message);
        }
      }
      events.normal(host, "KvmBuilt", "kvm built in " + request.buildDir());
    }
    failures.remove(hostId);
    return load(host, agent, conditions, request);
  }

  private HostOutcome load(
      KvmHost host, HostAgent agent, StatusConditions conditions, BuildPlan.Request request)
      throws HostException {
    KvmHostStatus status = host.getStatus();
    ModulesStatus m = modules(status);
    String stamp = request.stamp();
    Map<String, Integer> loaded = agent.loadedModules(host.getSpec().workDir);
    boolean swap =
        m.buildStamp != null
            && !m.buildStamp.equals(stamp)
            && Boolean.TRUE.equals(m.loadedByOperator)
            && loaded.containsKey(ModulePlan.KVM);
    if (swap) {
      int running =
          status.guests == null || status.guests.running == null ? 0 : status.guests.running;
      if (running > 0) {
        conditions.set(
            MODULES_LOADED,
            true,
            "WaitingForIdle",
            "kvm rebuilt for the changed spec (stamp "
                + stamp.substring(0, 12)
                + "); the modules are swapped once no guest runs ("
                + running
                + " running)");
        return null;
      }
      List<String> inUse = unload(agent, loaded);
      if (!inUse.isEmpty()) {
        conditions.set(
            MODULES_LOADED,
            false,
            "ModulesInUse",
            "cannot swap the kvm modules: in use: " + String.join(", ", inUse));
        conditions.set(READY, false, "ModulesInUse", "kvm modules in use by something else");
        return new HostOutcome(HostPhase.Provisioning, "ModulesInUse", "kvm modules in use");
      }
      m.loadedByOperator = null;
      m.buildStamp = null;
      loaded = agent.loadedModules(host.getSpec().workDir);
    }
    List<String> inserted = new ArrayList<>();
    for (String module : ModulePlan.missing(status.facts.virtualization, loaded)) {
      try {
        agent.insmod(BuildPlan.moduleFile(request, module));
        inserted.add(module);
      } catch (HostException e) {
        if (e.reason() != HostException.Reason.CommandFailed) {
          throw e;
        }
        Collections.reverse(inserted);
        for (String undo : inserted) {
          try {
            agent.rmmod(undo);
          } catch (HostException ignored) {
            // best effort: the message below says what failed
          }
        }
        return fail(conditions, "InsmodFailed", "insmod " + module + ": " + e.getMessage());
      }
    }
    if (!inserted.isEmpty()) {
      m.loadedByOperator = true;
    }
    m.buildStamp = stamp;
    m.version = agent.moduleVersion(ModulePlan.KVM);
    conditions.set(
        MODULES_LOADED,
        true,
        "Built",
        "kvm built from source (stamp "
            + stamp.substring(0, 12)
            + ") and loaded"
            + (m.version == null ? "" : " (version " + m.version + ")"));
    return null;
  }

  /**
   * Unloads the modules the operator loaded, each only when its use count is 0; returns those left
   * loaded because they are in use.
   */
  List<String> unloadOwn(KvmHost host, HostAgent agent) throws HostException {
    ModulesStatus m = host.getStatus() == null ? null : host.getStatus().modules;
    if (m == null || !Boolean.TRUE.equals(m.loadedByOperator)) {
      return List.of();
    }
    List<String> inUse = unload(agent, agent.loadedModules(host.getSpec().workDir));
    if (inUse.isEmpty()) {
      m.loadedByOperator = null;
    }
    return inUse;
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

  void forget(String hostId) {
    failures.remove(hostId);
  }

  static BuildPlan.Request request(KvmHostSpec spec, String sha256) {
    KvmHostSpec.Build b = spec.kvm.build;
    return new BuildPlan.Request(
        spec.workDir,
        b.source.url,
        b.source.hostPath,
        sha256,
        b.configureFlags == null ? List.of() : b.configureFlags,
        b.syncKernelDir,
        b.jobs == null ? 0 : b.jobs,
        Duration.ofSeconds(b.configureTimeoutSeconds == null ? 600 : b.configureTimeoutSeconds),
        Duration.ofSeconds(b.makeTimeoutSeconds == null ? 3600 : b.makeTimeoutSeconds),
        true);
  }

  private static ModulesStatus modules(KvmHostStatus status) {
    if (status.modules == null) {
      status.modules = new ModulesStatus();
    }
    return status.modules;
  }

  private static HostOutcome fail(StatusConditions conditions, String reason, String message) {
    conditions.set(MODULES_LOADED, false, reason, message);
    conditions.set(READY, false, reason, message);
    return new HostOutcome(HostPhase.Failed, reason, message);
  }
}
