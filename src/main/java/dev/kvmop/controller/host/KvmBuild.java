package dev.kvmop.controller.host;

import static dev.kvmop.api.Conditions.MODULES_LOADED;

import dev.kvmop.api.HostReasons;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.controller.EventRecorder;
import dev.kvmop.host.BuildException;
import dev.kvmop.host.BuildPlan;
import dev.kvmop.host.BuildStep;
import dev.kvmop.host.HostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Modules Build: builds kvm from source on the host unless {@code <workDir>/build/stamp} says this
 * source and these flags are built already, then has {@link KvmModules} load the result. A failed
 * step is remembered: the same attempt is not retried for {@link #BUILD_RETRY}, a changed spec is
 * tried at once.
 */
final class KvmBuild {
  /** A failed build is retried after this long even when the spec does not change. */
  static final Duration BUILD_RETRY = Duration.ofMinutes(5);

  private record Failure(String attempt, Instant at, String reason, String message) {}

  private final EventRecorder events;
  private final Clock clock;
  private final Map<String, Failure> failures = new ConcurrentHashMap<>();

  KvmBuild(EventRecorder events, Clock clock) {
    this.events = events;
    this.clock = clock;
  }

  /**
   * Builds when needed and loads the modules; {@code progress} hears each step's name before it
   * runs. Connection problems are thrown; a failed step is a Failed result.
   */
  StepResult run(HostRound round, Consumer<String> progress) throws HostException {
    BuildPlan.Request request;
    try {
      request = request(round.spec(), sha256(round));
    } catch (BuildException e) {
      return round.fail(MODULES_LOADED, HostReasons.VERIFY_FAILED, e.getMessage());
    }
    // The source location is not part of the stamp (same bytes, same modules), but a fixed URL
    // or path must retry a failed build at once.
    KvmHostSpec.Source source = round.spec().kvm.build.source;
    String attempt = request.stamp() + "\n" + source.url + "\n" + source.hostPath;
    Failure failure = failures.get(round.id());
    if (failure != null
        && failure.attempt().equals(attempt)
        && Instant.now(clock).isBefore(failure.at().plus(BUILD_RETRY))) {
      return round.fail(MODULES_LOADED, failure.reason(), failure.message());
    }
    if (!request.stamp().equals(round.agent.buildStamp(round.spec().workDir))) {
      Optional<Failure> failed = build(round, request, progress, attempt);
      if (failed.isPresent()) {
        failures.put(round.id(), failed.get());
        return round.fail(MODULES_LOADED, failed.get().reason(), failed.get().message());
      }
      events.normal(round.host(), HostReasons.KVM_BUILT, "kvm built in " + request.buildDir());
    }
    failures.remove(round.id());
    return KvmModules.load(round, request);
  }

  void forget(String hostId) {
    failures.remove(hostId);
  }

  private static String sha256(HostRound round) throws HostException {
    KvmHostSpec.Source source = round.spec().kvm.build.source;
    return source.sha256 != null && !source.sha256.isBlank()
        ? source.sha256
        : round.agent.sha256(source.hostPath);
  }

  /** Runs every step; returns the failure of the step that failed. */
  private Optional<Failure> build(
      HostRound round, BuildPlan.Request request, Consumer<String> progress, String attempt)
      throws HostException {
    Integer cpus = round.status().facts.cpus;
    for (BuildStep step : BuildPlan.steps(request, cpus == null ? 1 : cpus)) {
      progress.accept(step.name());
      try {
        round.agent.runBuildStep(step);
      } catch (BuildException e) {
        String message =
            "kvm build step "
                + e.step()
                + ": "
                + e.getMessage()
                + (e.outputTail().isBlank() ? "" : "\n" + e.outputTail());
        return Optional.of(new Failure(attempt, Instant.now(clock), e.step() + "Failed", message));
      }
    }
    return Optional.empty();
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
}
