package dev.kvmop.controller.host;

import static dev.kvmop.api.Conditions.BRIDGE_READY;
import static dev.kvmop.api.Conditions.HOST_KEY_VERIFIED;
import static dev.kvmop.api.Conditions.MODULES_LOADED;
import static dev.kvmop.api.Conditions.REACHABLE;
import static dev.kvmop.api.Conditions.READY;
import static dev.kvmop.api.Conditions.SPEC_VALID;

import dev.kvmop.api.HostKeyPolicy;
import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHost;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.api.KvmHostStatus;
import dev.kvmop.controller.EventRecorder;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.StatusConditions;
import dev.kvmop.host.HostAgent;
import dev.kvmop.host.HostAgentFactory;
import dev.kvmop.host.HostException;
import dev.kvmop.host.SshTarget;
import dev.kvmop.metrics.DomainMetrics;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Keeps a KvmHost's status true: validates the spec, connects with the Secret's key and the pinned
 * host key, probes facts in one remote command, prepares workDir, and re-probes every
 * probeIntervalSeconds. Deletion waits for the host's guests, then cleans up.
 */
@ControllerConfiguration(name = "kvmhost")
public class KvmHostReconciler implements Reconciler<KvmHost>, Cleaner<KvmHost> {
  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(KvmHostReconciler.class);
  static final String SECRET_INDEX = "kvmhost-by-secret";
  static final Duration UNREACHABLE_DELETE_GRACE = Duration.ofMinutes(5);

  private final HostAgentFactory agents;
  private final HostDirectory directory;
  private final EventRecorder events;
  private final DomainMetrics metrics;
  private final HostTransitions transitions;
  private final Clock clock;
  private final HostProvisioning provisioning;
  private final FullChecks fullChecks;
  // Hosts whose status was patched mid-reconcile (build progress): the final status then goes out
  // as a whole, since JOSDK's patch is a diff against the resource as the reconcile received it.
  private final Set<String> progressPatched = java.util.concurrent.ConcurrentHashMap.newKeySet();
  // Guests are read from this cache by hostRef: a guest created before its host must count too,
  // which JOSDK's secondary index (filled only when an event maps to a known primary) misses.
  private InformerEventSource<KvmGuest, KvmHost> guestSource;

  public KvmHostReconciler(
      HostAgentFactory agents,
      HostDirectory directory,
      EventRecorder events,
      DomainMetrics metrics,
      Clock clock) {
    this.agents = agents;
    this.directory = directory;
    this.events = events;
    this.metrics = metrics;
    this.transitions = new HostTransitions(events, metrics);
    this.clock = clock;
    this.provisioning = new HostProvisioning(events, clock);
    this.fullChecks = new FullChecks(clock);
  }

  @Override
  public List<EventSource<?, KvmHost>> prepareEventSources(EventSourceContext<KvmHost> ctx) {
    ctx.getPrimaryCache().addIndexer(SECRET_INDEX, h -> List.of(secretKey(h)));
    var secrets =
        InformerEventSourceConfiguration.from(Secret.class, KvmHost.class)
            .withName("secrets")
            .withSecondaryToPrimaryMapper(
                s ->
                    ctx
                        .getPrimaryCache()
                        .byIndex(
                            SECRET_INDEX,
                            s.getMetadata().getNamespace() + "/" + s.getMetadata().getName())
                        .stream()
                        .map(ResourceID::fromResource)
                        .collect(Collectors.toSet()))
            .withPrimaryToSecondaryMapper(
                (KvmHost h) ->
                    Set.of(new ResourceID(secretName(h), h.getMetadata().getNamespace())))
            .build();
    var guests =
        InformerEventSourceConfiguration.from(KvmGuest.class, KvmHost.class)
            .withName("guests")
            .withSecondaryToPrimaryMapper(
                g ->
                    g.getSpec() == null || g.getSpec().hostRef == null
                        ? Set.of()
                        : Set.of(
                            new ResourceID(
                                g.getSpec().hostRef.name, g.getMetadata().getNamespace())))
            .build();
    guestSource = new InformerEventSource<>(guests, ctx);
    return List.of(new InformerEventSource<>(secrets, ctx), guestSource);
  }

  private static String secretKey(KvmHost h) {
    var ref = h.getSpec() == null ? null : h.getSpec().credentialsSecretRef;
    return h.getMetadata().getNamespace() + "/" + (ref == null ? "" : ref.name);
  }

  @Override
  public UpdateControl<KvmHost> reconcile(KvmHost host, Context<KvmHost> ctx) {
    KvmHostStatus before = StatusCopy.of(host.getStatus());
    if (host.getStatus() == null) {
      host.setStatus(new KvmHostStatus());
    }
    KvmHostStatus status = host.getStatus();
    status.observedGeneration = host.getMetadata().getGeneration();
    HostOutcome outcome = observe(host, ctx);
    if (outcome.phase() != HostPhase.Ready) {
      fullChecks.forget(hostId(host));
    }
    transitions.enter(host, outcome);
    publish(host, ctx);
    UpdateControl<KvmHost> control;
    if (progressPatched.remove(hostId(host))) {
      replaceStatus(host, ctx);
      control = UpdateControl.noUpdate();
    } else {
      control =
          StatusCopy.sameIgnoringProbeTime(before, status, clock, probeInterval(host))
              ? UpdateControl.noUpdate()
              : UpdateControl.patchStatus(StatusCopy.freshWithStatus(host));
    }
    return outcome.phase() == HostPhase.Failed && !conditionTrue(status, SPEC_VALID)
        ? control
        : control.rescheduleAfter(probeInterval(host));
  }

  /** Tells the guest side how to reach the host and in which phase it is. */
  private void publish(KvmHost host, Context<KvmHost> ctx) {
    SshTarget target = null;
    if (HostSpecValidation.validate(host.getSpec()).isEmpty()
        && Credentials.from(ctx.getSecondaryResource(Secret.class).orElse(null), secretName(host))
            instanceof Credentials c) {
      target = target(host, c);
    }
    directory.publish(
        new HostDirectory.Entry(
            hostId(host),
            target,
            host.getSpec(),
            host.getStatus().phase,
            host.getStatus().facts,
            target == null ? null : HostReadiness.qemuBinary(host.getSpec(), host.getStatus())));
  }

  private HostOutcome observe(KvmHost host, Context<KvmHost> ctx) {
    KvmHostSpec spec = host.getSpec();
    KvmHostStatus status = host.getStatus();
    var conditions = conditions(host);
    List<String> errors = HostSpecValidation.validate(spec);
    if (!errors.isEmpty()) {
      String message = String.join("; ", errors);
      conditions.set(SPEC_VALID, false, "InvalidSpec", message);
      conditions.set(READY, false, "InvalidSpec", "spec is invalid; nothing is done until fixed");
      return new HostOutcome(HostPhase.Failed, "InvalidSpec", message);
    }
    conditions.set(SPEC_VALID, true, "Valid", "spec is valid");
    updateCounts(host, ctx);

    Object creds =
        Credentials.from(
            ctx.getSecondaryResource(Secret.class).orElse(null), spec.credentialsSecretRef.name);
    if (creds instanceof Credentials.Problem p) {
      conditions.set(REACHABLE, false, p.reason(), p.message());
      conditions.set(READY, false, p.reason(), p.message());
      return new HostOutcome(HostPhase.Pending, p.reason(), p.message());
    }
    HostAgent agent;
    try {
      agent = agents.agentFor(target(host, (Credentials) creds));
    } catch (HostException e) {
      return connectFailed(host, e);
    }
    status.observedHostKey = agent.hostKeyFingerprint();
    conditions.set(HOST_KEY_VERIFIED, true, "Verified", "host key " + status.observedHostKey);
    conditions.set(REACHABLE, true, "Connected", "SSH connection established");
    var steady =
        fullChecks.steady(
            hostId(host),
            host.getMetadata().getGeneration(),
            status.phase,
            directory.lastProbe(hostId(host)).orElse(null),
            probeInterval(host));
    if (steady.isPresent()) {
      status.lastProbeTime =
          steady.get().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
      return ready();
    }
    try {
      String qemu = HostReadiness.qemuBinary(spec, status);
      status.facts = agent.probeFacts(qemu == null ? "" : qemu);
      status.lastProbeTime = StatusConditions.now(clock);
      HostOutcome readiness = HostReadiness.assess(spec, status.facts, conditions);
      if (readiness != null) {
        return readiness;
      }
      agent.ensureWorkDir(spec.workDir);
      HostOutcome modules =
          provisioning.ensureModules(host, agent, conditions, step -> progress(host, ctx, step));
      if (modules != null) {
        return modules;
      }
      if (HostReadiness.builtQemu(spec)) {
        String built = HostReadiness.qemuBinary(spec, status);
        if (qemu == null || !qemu.equals(built)) {
          status.facts = agent.probeFacts(built);
        }
        if (status.facts.qemuVersion == null) {
          String message = "the kvm build has no runnable qemu at " + built;
          conditions.set(READY, false, "QemuMissing", message);
          return new HostOutcome(HostPhase.Failed, "QemuMissing", message);
        }
      }
      agent.writeIfupScript(spec.workDir, spec.network.bridge);
      if (agent.bridgeExists(spec.workDir, spec.network.bridge)) {
        conditions.set(
            BRIDGE_READY, true, "BridgeFound", "bridge " + spec.network.bridge + " exists");
      } else {
        conditions.set(
            BRIDGE_READY,
            false,
            "BridgeMissing",
            "bridge "
                + spec.network.bridge
                + " does not exist on the host; guests with network type Bridge wait for it");
      }
    } catch (HostException e) {
      return connectFailed(host, e);
    }
    conditions.set(READY, true, "Ready", "host is ready for guests");
    fullChecks.passed(hostId(host), host.getMetadata().getGeneration(), status.facts.bootId);
    return ready();
  }

  private static HostOutcome ready() {
    return new HostOutcome(HostPhase.Ready, "Ready", "connected, facts probed, workDir prepared");
  }

  /** Reports a build step while it runs: phase Provisioning, ModulesLoaded=False reason step. */
  private void progress(KvmHost host, Context<KvmHost> ctx, String step) {
    String message = "building kvm: step " + step;
    conditions(host).set(MODULES_LOADED, false, step, message);
    conditions(host).set(READY, false, "Provisioning", message);
    transitions.enter(host, new HostOutcome(HostPhase.Provisioning, step, message));
    progressPatched.add(hostId(host));
    try {
      replaceStatus(host, ctx);
    } catch (RuntimeException e) {
      log.debug("progress status update failed: {}", e.toString());
    }
  }

  /**
   * Writes the whole status (PUT on /status against the latest resourceVersion, retried on
   * conflict): used after mid-reconcile progress writes, when a patch computed against the resource
   * this reconcile started from would leave stale fields behind.
   */
  private void replaceStatus(KvmHost host, Context<KvmHost> ctx) {
    var resource =
        ctx.getClient()
            .resources(KvmHost.class)
            .inNamespace(host.getMetadata().getNamespace())
            .withName(host.getMetadata().getName());
    for (int attempt = 1; ; attempt++) {
      KvmHost latest = resource.get();
      if (latest == null) {
        return;
      }
      latest.setStatus(StatusCopy.of(host.getStatus()));
      try {
        ctx.getClient().resource(latest).updateStatus();
        return;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= 3) {
          throw e;
        }
      }
    }
  }

  private HostOutcome connectFailed(KvmHost host, HostException e) {
    var conditions = conditions(host);
    String reason = e.reason().name();
    String message = e.getMessage();
    if (e.reason() == HostException.Reason.InvalidCredentials) {
      // Name the field and the Secret the user has to fix (never the key or the passphrase).
      message = "spec.credentialsSecretRef: Secret " + secretName(host) + ": " + message;
    }
    switch (e.reason()) {
      case HostKeyMismatch -> {
        conditions.set(HOST_KEY_VERIFIED, false, reason, message);
        conditions.set(REACHABLE, false, reason, "connection refused: host key not verified");
      }
      default -> conditions.set(REACHABLE, false, reason, message);
    }
    conditions.set(READY, false, reason, message);
    HostPhase phase =
        switch (e.reason()) {
          case Unreachable, Timeout, CommandFailed -> HostPhase.Unreachable;
          default -> HostPhase.Failed;
        };
    return new HostOutcome(phase, reason, message);
  }

  private SshTarget target(KvmHost host, Credentials creds) {
    KvmHostSpec spec = host.getSpec();
    String expected =
        spec.hostKeyPolicy == HostKeyPolicy.TrustOnFirstUse
                && HostSpecValidation.isBlank(spec.hostKey)
            ? host.getStatus().observedHostKey
            : spec.hostKey;
    return new SshTarget(
        hostId(host),
        spec.address,
        spec.port,
        spec.user,
        creds.privateKey(),
        creds.passphrase(),
        spec.hostKeyPolicy,
        expected,
        spec.maxSessions);
  }

  private void updateCounts(KvmHost host, Context<KvmHost> ctx) {
    List<KvmGuest> guests = guestsOf(host);
    host.getStatus().guests = HostCounts.guests(guests);
    host.getStatus().pool = HostCounts.pool(host.getSpec(), guests);
    metrics.guests(
        host.getMetadata().getNamespace(),
        host.getMetadata().getName(),
        java.util.Arrays.stream(dev.kvmop.api.GuestPhase.values()).map(Enum::name).toList(),
        HostCounts.byPhase(guests));
    var pool = host.getStatus().pool;
    metrics.pool(
        host.getMetadata().getNamespace(), host.getMetadata().getName(), pool.allocated, pool.free);
  }

  @Override
  public DeleteControl cleanup(KvmHost host, Context<KvmHost> ctx) {
    List<KvmGuest> guests = guestsOf(host);
    if (!guests.isEmpty()) {
      String names =
          guests.stream()
              .map(g -> g.getMetadata().getName())
              .sorted()
              .collect(Collectors.joining(", "));
      setTerminating(host, ctx, "GuestsRemain", "waiting for KvmGuests to be deleted: " + names);
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(Duration.ofSeconds(5));
    }
    try {
      Object creds =
          Credentials.from(ctx.getSecondaryResource(Secret.class).orElse(null), secretName(host));
      if (creds instanceof Credentials c && HostSpecValidation.validate(host.getSpec()).isEmpty()) {
        HostAgent agent = agents.agentFor(target(host, c));
        List<String> inUse = provisioning.unloadOwn(host, agent);
        if (!inUse.isEmpty()) {
          events.normal(
              host, "ModulesKept", "kvm modules in use, left loaded: " + String.join(", ", inUse));
        }
        agent.removeWorkDir(host.getSpec().workDir);
      }
    } catch (HostException e) {
      Instant deadline =
          Instant.parse(host.getMetadata().getDeletionTimestamp()).plus(UNREACHABLE_DELETE_GRACE);
      if (Instant.now(clock).isBefore(deadline)) {
        setTerminating(
            host,
            ctx,
            e.reason().name(),
            "cleanup on the host failed, retrying: " + e.getMessage());
        return DeleteControl.noFinalizerRemoval().rescheduleAfter(Duration.ofSeconds(10));
      }
      events.warning(
          host,
          "CleanupAbandoned",
          "host "
              + host.getSpec().address
              + " did not answer for "
              + UNREACHABLE_DELETE_GRACE.toMinutes()
              + " min; released without removing "
              + host.getSpec().workDir
              + " there");
    }
    agents.forget(hostId(host));
    provisioning.forget(hostId(host));
    fullChecks.forget(hostId(host));
    directory.remove(hostId(host));
    metrics.hostRemoved(host.getMetadata().getNamespace(), host.getMetadata().getName());
    return DeleteControl.defaultDelete();
  }

  private List<KvmGuest> guestsOf(KvmHost host) {
    String name = host.getMetadata().getName();
    return guestSource
        .list(
            host.getMetadata().getNamespace(),
            g ->
                g.getSpec() != null
                    && g.getSpec().hostRef != null
                    && name.equals(g.getSpec().hostRef.name))
        .toList();
  }

  private void setTerminating(KvmHost host, Context<KvmHost> ctx, String reason, String message) {
    if (host.getStatus() == null) {
      host.setStatus(new KvmHostStatus());
    }
    KvmHostStatus before = StatusCopy.of(host.getStatus());
    conditions(host).set(READY, false, reason, message);
    transitions.enter(host, new HostOutcome(HostPhase.Terminating, reason, message));
    if (!StatusCopy.sameIgnoringProbeTime(before, host.getStatus(), clock, Duration.ZERO)) {
      ctx.getClient().resource(StatusCopy.freshWithStatus(host)).patchStatus();
    }
  }

  @Override
  public ErrorStatusUpdateControl<KvmHost> updateErrorStatus(
      KvmHost host, Context<KvmHost> ctx, Exception e) {
    if (host.getStatus() == null) {
      host.setStatus(new KvmHostStatus());
    }
    conditions(host)
        .set(READY, false, "ReconcileError", e.getClass().getSimpleName() + ": " + e.getMessage());
    return ErrorStatusUpdateControl.patchStatus(StatusCopy.freshWithStatus(host));
  }

  private StatusConditions conditions(KvmHost host) {
    return new StatusConditions(
        host.getStatus().conditions, host.getMetadata().getGeneration(), clock);
  }

  private static boolean conditionTrue(KvmHostStatus status, String type) {
    return StatusConditions.isTrue(status.conditions, type);
  }

  private static Duration probeInterval(KvmHost host) {
    return HostDirectory.probeInterval(host.getSpec());
  }

  private static String secretName(KvmHost host) {
    return host.getSpec().credentialsSecretRef == null
        ? ""
        : host.getSpec().credentialsSecretRef.name;
  }

  static String hostId(KvmHost host) {
    return host.getMetadata().getNamespace() + "/" + host.getMetadata().getName();
  }
}
