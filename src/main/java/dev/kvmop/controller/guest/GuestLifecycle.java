package dev.kvmop.controller.guest;

import static dev.kvmop.api.Conditions.ADDRESS_ASSIGNED;
import static dev.kvmop.api.Conditions.PROCESS_RUNNING;
import static dev.kvmop.api.Conditions.READY;
import static dev.kvmop.api.Conditions.SCHEDULED;
import static dev.kvmop.api.Conditions.SPEC_VALID;

import dev.kvmop.api.Accel;
import dev.kvmop.api.Annotations;
import dev.kvmop.api.ExitReason;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmGuestSpec;
import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.api.KvmHost;
import dev.kvmop.api.NetworkType;
import dev.kvmop.api.RunStrategy;
import dev.kvmop.controller.CrashPoints;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.StatusConditions;
import dev.kvmop.host.GuestLaunch;
import dev.kvmop.host.HostAgent;
import dev.kvmop.host.HostException;
import dev.kvmop.host.LaunchedProcess;
import dev.kvmop.net.AddressAllocator;
import dev.kvmop.net.Allocation;
import dev.kvmop.net.PoolEntry;
import dev.kvmop.qemu.GuestDirs;
import dev.kvmop.qemu.LaunchSpec;
import dev.kvmop.qemu.QemuArgs;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The guest state machine: one handler per phase, each idempotent, so a reconcile after a crash at
 * any point converges (launch adopts a running qemu; addresses come back from status). Returns when
 * to look again, or null to wait for an event.
 */
final class GuestLifecycle {
  /**
   * Safety net between probe-driven reconciles of a running guest. Short because JOSDK 5.3 can drop
   * a foreign update (a deletion, a spec edit) that lands while its own status write is in flight
   * (operator-framework/java-operator-sdk#3398, fixed after 5.3.2, the newest version served here):
   * the recheck bounds that delay. It costs no remote command and no write.
   */
  static final Duration RUNNING_RECHECK = Duration.ofSeconds(30);

  static final Duration FIRST_PROBE_WAIT = Duration.ofSeconds(2);

  /** Look again this soon while the host controller has not published the host yet. */
  static final Duration HOST_NOT_YET_KNOWN = Duration.ofSeconds(2);

  private interface Handler {
    Duration handle(GuestRun run, HostDirectory.Entry host) throws HostException;
  }

  private final GuestContext c;
  private final Map<GuestPhase, Handler> handlers = new EnumMap<>(GuestPhase.class);

  /** When this process last launched each guest (uid): probes older than that are stale. */
  private final Map<String, Instant> launchedAt = new ConcurrentHashMap<>();

  /** First relaunch backoff; {@link RestartPolicy#INITIAL_BACKOFF} except in tests. */
  private final Duration initialBackoff;

  GuestLifecycle(GuestContext c, Duration initialBackoff) {
    this.c = c;
    this.initialBackoff = initialBackoff;
    handlers.put(GuestPhase.Pending, this::schedule);
    handlers.put(GuestPhase.Scheduled, this::schedule);
    handlers.put(GuestPhase.Starting, this::start);
    handlers.put(GuestPhase.Running, this::running);
    handlers.put(GuestPhase.Stopping, this::running);
    handlers.put(GuestPhase.Unknown, this::running);
    handlers.put(GuestPhase.Stopped, this::idle);
    handlers.put(GuestPhase.Succeeded, this::idle);
    handlers.put(GuestPhase.Failed, this::idle);
  }

  Duration invalid(GuestRun run, String message) {
    run.conditions().set(SPEC_VALID, false, "InvalidSpec", message);
    run.conditions()
        .set(READY, false, "InvalidSpec", "spec is invalid; nothing is done until fixed");
    if (!launched(run.status())) {
      enter(run, GuestPhase.Failed, "InvalidSpec", message);
    }
    return null;
  }

  Duration reconcile(GuestRun run, Optional<KvmHost> host) {
    String hostName = run.guest().getSpec().hostRef.name;
    if (host.isEmpty()) {
      return waitForHost(
          run, "HostNotFound", "spec.hostRef.name: KvmHost " + hostName + " does not exist");
    }
    Optional<HostDirectory.Entry> entry = c.directory().get(run.hostId());
    GuestPhase current = run.status().phase;
    if (entry.isEmpty()
        && (launched(run.status()) || (current != null && current != GuestPhase.Pending))) {
      // This operator process has not reconciled the host yet (it just started): that is no news
      // about the host, so the guest keeps its status (a Scheduled guest does not fall back to
      // Pending); the host's first probe wakes it.
      return HOST_NOT_YET_KNOWN;
    }
    if (entry.isEmpty()) {
      return waitForHost(
          run, "HostNotReady", "waiting for the operator to connect to KvmHost " + hostName);
    }
    if (!entry.get().usable()) {
      HostPhase phase = host.get().getStatus() == null ? null : host.get().getStatus().phase;
      return waitForHost(
          run,
          "HostNotReady",
          "KvmHost " + hostName + (phase == null ? " is not ready yet" : " is " + phase));
    }
    if (!launched(run.status())
        && run.guest().getSpec().network.type == NetworkType.Bridge
        && host.get().getStatus() != null
        && StatusConditions.find(
                host.get().getStatus().conditions, dev.kvmop.api.Conditions.BRIDGE_READY)
            .filter(cond -> "False".equals(cond.getStatus()))
            .isPresent()) {
      return waitForHost(
          run,
          "BridgeMissing",
          "KvmHost "
              + hostName
              + ": bridge "
              + host.get().getSpec().network.bridge
              + " does not exist on the host");
    }
    var snapshot = c.probes().snapshot(run.hostId()).orElse(null);
    if (entry.get().phase() == HostPhase.Unreachable
        || (snapshot != null && !snapshot.reachable())) {
      return hostUnreachable(run, hostName);
    }
    GuestPhase phase = run.status().phase == null ? GuestPhase.Pending : run.status().phase;
    try {
      return handlers.get(phase).handle(run, entry.get());
    } catch (HostException e) {
      return hostFailed(run, e);
    }
  }

  // --- Pending / Scheduled: get an address, then start -------------------------------------

  private Duration schedule(GuestRun run, HostDirectory.Entry host) throws HostException {
    KvmGuestStatus s = run.status();
    Integer maxGuests = host.spec().maxGuests;
    if (s.host == null && maxGuests != null && maxGuests > 0 && scheduledOn(run) >= maxGuests) {
      run.conditions()
          .set(
              SCHEDULED,
              false,
              "MaxGuestsReached",
              "host holds spec.maxGuests=" + maxGuests + " guests");
      enter(run, GuestPhase.Pending, "MaxGuestsReached", "waiting for room on the host");
      return null;
    }
    if (!assignAddress(run, host)) {
      return null;
    }
    s.host = run.guest().getSpec().hostRef.name;
    run.conditions().set(SCHEDULED, true, "Scheduled", "placed on " + s.host);
    enter(run, GuestPhase.Scheduled, "Scheduled", "placed on " + s.host + addressText(s));
    CrashPoints.reach(CrashPoints.AFTER_ALLOCATION);
    // The address must be on record before qemu can use it: a crash from here on finds it.
    run.persist();
    CrashPoints.reach(CrashPoints.AFTER_ADDRESS_PERSISTED);
    return start(run, host);
  }

  private boolean assignAddress(GuestRun run, HostDirectory.Entry host) {
    KvmGuestSpec spec = run.guest().getSpec();
    if (spec.network.type == NetworkType.None) {
      run.conditions()
          .set(ADDRESS_ASSIGNED, true, "NoNetwork", "network type None takes no address");
      return true;
    }
    AddressAllocator pool =
        c.addresses().forHost(run.hostId(), host.spec(), () -> holders(run.hostId()));
    Allocation result = pool.allocate(run.uid(), spec.network.ip);
    String hostName = spec.hostRef.name;
    if (result instanceof Allocation.Assigned a) {
      run.status().ip = a.entry().ip();
      run.status().mac = a.entry().mac();
      run.conditions()
          .set(ADDRESS_ASSIGNED, true, "Assigned", a.entry().ip() + " " + a.entry().mac());
      return true;
    } else if (result instanceof Allocation.RequestedNotInPool r) {
      noAddress(
          run,
          "RequestedAddressNotInPool",
          "spec.network.ip " + r.ip() + " is not in host " + hostName + "'s pool");
    } else if (result instanceof Allocation.RequestedTaken t) {
      noAddress(
          run, "RequestedAddressTaken", "spec.network.ip " + t.ip() + " is held by another guest");
    } else {
      noAddress(
          run,
          "PoolExhausted",
          "all "
              + pool.total()
              + " addresses of host "
              + hostName
              + " are in use; waiting for one to free");
    }
    return false;
  }

  private void noAddress(GuestRun run, String reason, String message) {
    run.conditions().set(ADDRESS_ASSIGNED, false, reason, message);
    run.conditions().set(SCHEDULED, false, reason, message);
    run.conditions().set(READY, false, reason, message);
    enter(run, GuestPhase.Pending, reason, message);
  }

  /** Addresses the guests on a host hold according to their status, oldest guest first. */
  private Map<String, PoolEntry> holders(String hostId) {
    Map<String, PoolEntry> holders = new LinkedHashMap<>();
    c.guestsOnHost().apply(hostId).stream()
        .filter(g -> g.getStatus() != null && g.getStatus().ip != null && g.getStatus().mac != null)
        .sorted(Comparator.comparing((KvmGuest g) -> g.getMetadata().getCreationTimestamp()))
        .forEach(
            g ->
                holders.put(
                    g.getMetadata().getUid(), new PoolEntry(g.getStatus().mac, g.getStatus().ip)));
    return holders;
  }

  private long scheduledOn(GuestRun run) {
    return c.guestsOnHost().apply(run.hostId()).stream()
        .filter(g -> !g.getMetadata().getUid().equals(run.uid()))
        .filter(g -> g.getStatus() != null && g.getStatus().host != null)
        .count();
  }

  // --- Starting: launch (or adopt) -----------------------------------------------------------

  private Duration start(GuestRun run, HostDirectory.Entry host) throws HostException {
    KvmGuestStatus s = run.status();
    RunStrategy strategy = run.guest().getSpec().runStrategy;
    if (strategy == RunStrategy.Halted) {
      enter(run, GuestPhase.Stopped, "Halted", "runStrategy is Halted");
      return null;
    }
    Instant now = Instant.now(c.clock());
    if (s.nextRestartAt != null && now.isBefore(Instant.parse(s.nextRestartAt))) {
      return Duration.between(now, Instant.parse(s.nextRestartAt)).plusMillis(50);
    }
    String accel = accel(run.guest().getSpec().accel, host);
    if (accel == null) {
      run.conditions()
          .set(
              SCHEDULED,
              false,
              "NoAccelerator",
              "spec.accel "
                  + run.guest().getSpec().accel
                  + ": the host has no usable accelerator (no /dev/kvm or vmx/svm, and TCG not allowed)");
      enter(run, GuestPhase.Failed, "NoAccelerator", "no accelerator for spec.accel");
      return null;
    }
    GuestDirs dirs = dirs(run, host);
    if (!dirs.qmpSocketFits()) {
      run.conditions()
          .set(
              SCHEDULED,
              false,
              "PathTooLong",
              "guest directory "
                  + dirs.dir()
                  + " makes the QMP socket path longer than 107 bytes: shorten the host's spec.workDir or the guest name");
      enter(run, GuestPhase.Failed, "PathTooLong", "socket path too long");
      return null;
    }
    var argv =
        QemuArgs.build(
            new LaunchSpec(
                run.namespace(),
                run.name(),
                run.uid(),
                dirs.dir(),
                host.qemuBinary(),
                host.spec().qemu.biosDir,
                run.guest().getSpec(),
                accel,
                s.mac,
                host.spec().workDir + "/qemu-ifup"));
    enter(run, GuestPhase.Starting, "Launching", "launching qemu");
    LaunchedProcess p;
    try {
      p = agent(host).launch(new GuestLaunch(dirs.dir(), argv, run.uid()));
    } catch (HostException e) {
      if (e.reason() != HostException.Reason.CommandFailed) {
        throw e;
      }
      run.conditions().set(PROCESS_RUNNING, false, "LaunchFailed", e.getMessage());
      return exited(run, ExitReason.Crashed, "LaunchFailed", e.getMessage());
    }
    CrashPoints.reach(CrashPoints.AFTER_LAUNCH);
    launchedAt.put(run.uid(), Instant.now(c.clock()));
    // A relaunch: a new process after one that ran. An adopted process is one too when the last
    // exit came after the recorded start (a relaunch whose confirmation was lost).
    boolean relaunch = s.startedAt != null && (!p.adopted() || exitedSinceStart(s));
    if (relaunch) {
      s.restarts = (s.restarts == null ? 0 : s.restarts) + 1;
      c.transitions().restarted();
    }
    s.restarts = s.restarts == null ? 0 : s.restarts;
    if (!p.adopted() || s.startedAt == null) {
      s.startedAt = StatusConditions.now(c.clock());
    }
    s.pid = p.pid();
    s.processStartTicks = p.startTicks();
    s.bootId = p.bootId();
    s.qemuArgv = argv;
    s.nextRestartAt = null;
    run.conditions()
        .set(PROCESS_RUNNING, true, p.adopted() ? "Adopted" : "Started", "qemu pid " + p.pid());
    enter(
        run,
        GuestPhase.Running,
        p.adopted() ? "Adopted" : "Launched",
        "qemu pid " + p.pid() + addressText(s));
    return readiness(run, host);
  }

  // --- Running (also Stopping, Unknown): follow the probe, carry out actions -------------------

  private Duration running(GuestRun run, HostDirectory.Entry host) throws HostException {
    KvmGuestStatus s = run.status();
    var snapshot = c.probes().snapshot(run.hostId()).orElse(null);
    Observed seen = Observed.from(snapshot, dirs(run, host).dir(), s, launchedAt.get(run.uid()));
    if (s.pid == null
        && (run.guest().getSpec().runStrategy != RunStrategy.Halted
            || !(seen instanceof Observed.Running))) {
      // No launch was confirmed (the connection dropped mid-launch or mid-restart), so nothing is
      // known to have exited: launch again, which adopts a qemu that did start and records it as
      // a launch does (startedAt, argv, boot id, restarts), even when a probe already saw it.
      return start(run, host);
    }
    if (seen instanceof Observed.Exited x) {
      return exited(
          run,
          x.reason(),
          x.reason().name(),
          "qemu pid " + s.pid + " is gone (" + x.reason() + ")");
    }
    if (seen instanceof Observed.Running r
        && (!java.util.Objects.equals(r.pid(), s.pid)
            || !java.util.Objects.equals(r.startTicks(), s.processStartTicks))) {
      s.pid = r.pid();
      s.processStartTicks = r.startTicks();
      s.bootId = snapshot.probe().bootId();
    }
    run.conditions().set(PROCESS_RUNNING, true, "Running", "qemu pid " + s.pid);
    enter(run, GuestPhase.Running, "Running", "qemu pid " + s.pid);
    if (run.guest().getSpec().runStrategy == RunStrategy.Halted) {
      return stop(run, host, "Halted", "runStrategy is Halted");
    }
    Duration action = actions(run, host);
    if (action != null) {
      return action;
    }
    if (s.consecutiveFailures != null && s.consecutiveFailures > 0 && ranLong(s)) {
      s.consecutiveFailures = 0;
    }
    Duration next = readiness(run, host);
    // No probe of this host yet (operator just started): look again soon rather than trust
    // the recorded pid until the safety recheck.
    return snapshot == null && next.compareTo(FIRST_PROBE_WAIT) > 0 ? FIRST_PROBE_WAIT : next;
  }

  private Duration actions(GuestRun run, HostDirectory.Entry host) throws HostException {
    KvmGuestStatus s = run.status();
    if (s.actions == null) {
      s.actions = new KvmGuestStatus.Actions();
    }
    String reset = run.annotation(Annotations.RESET);
    if (reset != null && !reset.equals(s.actions.reset)) {
      agent(host).reset(dirs(run, host).dir());
      s.actions.reset = reset;
      c.transitions()
          .action(
              run.guest(),
              "Reset",
              "QMP system_reset sent for "
                  + Annotations.RESET
                  + "="
                  + reset
                  + "; pid "
                  + s.pid
                  + " unchanged");
    }
    String restart = run.annotation(Annotations.RESTART);
    if (restart != null && !restart.equals(s.actions.restart)) {
      stopProcess(run, host);
      s.actions.restart = restart;
      c.transitions()
          .action(
              run.guest(),
              "Restarted",
              "stopped and relaunching for " + Annotations.RESTART + "=" + restart);
      return start(run, host);
    }
    return null;
  }

  // --- Stopped / Succeeded / Failed ----------------------------------------------------------

  private Duration idle(GuestRun run, HostDirectory.Entry host) throws HostException {
    KvmGuestStatus s = run.status();
    String restart = run.annotation(Annotations.RESTART);
    if (restart != null && !restart.equals(s.actions == null ? null : s.actions.restart)) {
      if (s.actions == null) {
        s.actions = new KvmGuestStatus.Actions();
      }
      s.actions.restart = restart;
      c.transitions()
          .action(run.guest(), "Restarted", "starting for " + Annotations.RESTART + "=" + restart);
      return start(run, host);
    }
    String reset = run.annotation(Annotations.RESET);
    if (reset != null && !reset.equals(s.actions == null ? null : s.actions.reset)) {
      if (s.actions == null) {
        s.actions = new KvmGuestStatus.Actions();
      }
      s.actions.reset = reset;
      c.transitions()
          .warn(
              run.guest(),
              "ResetSkipped",
              "guest is " + s.phase + ": nothing to reset for " + Annotations.RESET + "=" + reset);
    }
    boolean wanted =
        switch (run.guest().getSpec().runStrategy) {
          case Always -> true;
          case RerunOnFailure -> s.phase != GuestPhase.Succeeded;
          // Unrecognized never gets here: spec validation stops the reconcile first.
          case Manual, Halted, Unrecognized -> false;
        };
    return wanted ? start(run, host) : null;
  }

  // --- exits and stops -----------------------------------------------------------------------

  private Duration exited(GuestRun run, ExitReason reason, String why, String message) {
    KvmGuestStatus s = run.status();
    boolean ranLong = ranLong(s);
    s.lastExit = new KvmGuestStatus.LastExit(reason, StatusConditions.now(c.clock()));
    s.pid = null;
    s.processStartTicks = null;
    run.conditions().set(PROCESS_RUNNING, false, why, message);
    run.conditions().set(READY, false, why, message);
    GuestPhase next = RestartPolicy.afterExit(run.guest().getSpec().runStrategy, reason);
    if (next != GuestPhase.Starting) {
      enter(run, next, why, message);
      return null;
    }
    int failures = ranLong ? 1 : (s.consecutiveFailures == null ? 0 : s.consecutiveFailures) + 1;
    s.consecutiveFailures = failures;
    Duration backoff = RestartPolicy.backoff(initialBackoff, failures);
    s.nextRestartAt = Instant.now(c.clock()).plus(backoff).toString();
    enter(
        run,
        GuestPhase.Starting,
        "BackOff",
        message + "; relaunch in " + backoff.toSeconds() + "s");
    return backoff;
  }

  private Duration stop(GuestRun run, HostDirectory.Entry host, String reason, String message)
      throws HostException {
    enter(run, GuestPhase.Stopping, reason, message);
    run.persist();
    stopProcess(run, host);
    run.conditions().set(PROCESS_RUNNING, false, "Stopped", message);
    run.conditions().set(READY, false, "Stopped", message);
    enter(run, GuestPhase.Stopped, reason, message);
    return null;
  }

  private void stopProcess(GuestRun run, HostDirectory.Entry host) throws HostException {
    KvmGuestStatus s = run.status();
    agent(host)
        .stop(
            dirs(run, host).dir(),
            run.uid(),
            Duration.ofSeconds(run.guest().getSpec().gracePeriodSeconds));
    s.lastExit = new KvmGuestStatus.LastExit(ExitReason.Killed, StatusConditions.now(c.clock()));
    s.pid = null;
    s.processStartTicks = null;
  }

  // --- host trouble --------------------------------------------------------------------------

  private Duration waitForHost(GuestRun run, String reason, String message) {
    run.conditions().set(SCHEDULED, false, reason, message);
    run.conditions().set(READY, false, reason, message);
    if (launched(run.status())) {
      run.conditions().set(PROCESS_RUNNING, "Unknown", reason, message);
      enter(run, GuestPhase.Unknown, reason, message);
    } else {
      enter(run, GuestPhase.Pending, reason, message);
    }
    return null;
  }

  private Duration hostUnreachable(GuestRun run, String hostName) {
    String message = "host " + hostName + " does not answer; the guest's state is unknown";
    // Starting counts as launched here: a launch may be in flight, so its qemu may run.
    if (!launched(run.status()) && run.status().phase != GuestPhase.Starting) {
      run.conditions().set(SCHEDULED, false, "HostUnreachable", message);
      enter(run, GuestPhase.Pending, "HostUnreachable", message);
      return null;
    }
    run.conditions().set(PROCESS_RUNNING, "Unknown", "HostUnreachable", message);
    run.conditions().set(READY, "Unknown", "HostUnreachable", message);
    enter(run, GuestPhase.Unknown, "HostUnreachable", message);
    return null;
  }

  private Duration hostFailed(GuestRun run, HostException e) {
    if (e.reason() == HostException.Reason.CommandFailed) {
      run.conditions().set(READY, false, "HostCommandFailed", e.getMessage());
      c.transitions().warn(run.guest(), "HostCommandFailed", e.getMessage());
      return Duration.ofSeconds(30);
    }
    // Connection trouble mid-action: whether the action happened is unknown until the host
    // answers; every handler is idempotent, so the next reconcile finishes the job.
    if (launched(run.status()) || run.status().phase == GuestPhase.Starting) {
      run.conditions().set(PROCESS_RUNNING, "Unknown", e.reason().name(), e.getMessage());
      enter(run, GuestPhase.Unknown, e.reason().name(), e.getMessage());
    }
    return Duration.ofSeconds(10);
  }

  // --- helpers -------------------------------------------------------------------------------

  private Duration readiness(GuestRun run, HostDirectory.Entry host) throws HostException {
    KvmGuestSpec.ReadinessProbe probe = run.guest().getSpec().readinessProbe;
    KvmGuestStatus s = run.status();
    if (probe == null) {
      run.conditions().set(READY, true, "Running", "qemu is running (no readinessProbe)");
      return RUNNING_RECHECK;
    }
    if (s.ip == null) {
      run.conditions().set(READY, false, "NoAddress", "readinessProbe needs a pool address");
      return RUNNING_RECHECK;
    }
    boolean up = agent(host).tcpReachable(s.ip, probe.tcpPort);
    run.conditions()
        .set(
            READY,
            up,
            up ? "ProbeSucceeded" : "ProbeFailed",
            "TCP "
                + s.ip
                + ":"
                + probe.tcpPort
                + (up ? " accepts connections" : " refused or timed out"));
    return Duration.ofSeconds(probe.periodSeconds);
  }

  private static String accel(Accel wanted, HostDirectory.Entry host) {
    var facts = host.facts();
    boolean kvm =
        facts != null
            && Boolean.TRUE.equals(facts.kvmDevice)
            && facts.virtualization != null
            && !"none".equals(facts.virtualization);
    boolean tcgAllowed = Boolean.FALSE.equals(host.spec().kvm.requireHardwareVirtualization);
    return switch (wanted == null ? Accel.Auto : wanted) {
      case Kvm -> kvm ? "kvm" : null;
      case Tcg -> "tcg";
      case Auto -> kvm ? "kvm" : (tcgAllowed ? "tcg" : null);
      case Unrecognized -> null;
    };
  }

  private static GuestDirs dirs(GuestRun run, HostDirectory.Entry host) {
    return GuestDirs.of(host.spec().workDir, run.namespace(), run.name(), run.uid());
  }

  private HostAgent agent(HostDirectory.Entry host) throws HostException {
    return c.agents().agentFor(host.target());
  }

  private void enter(GuestRun run, GuestPhase phase, String reason, String message) {
    c.transitions().enter(run.guest(), run.status(), phase, reason, message);
  }

  private boolean ranLong(KvmGuestStatus s) {
    return s.startedAt != null
        && Duration.between(Instant.parse(s.startedAt), Instant.now(c.clock()))
                .compareTo(RestartPolicy.STABLE_RUN)
            >= 0;
  }

  private static boolean exitedSinceStart(KvmGuestStatus s) {
    return s.lastExit != null
        && s.lastExit.at != null
        && Instant.parse(s.lastExit.at).isAfter(Instant.parse(s.startedAt));
  }

  static boolean launched(KvmGuestStatus s) {
    return s.pid != null
        || s.phase == GuestPhase.Running
        || s.phase == GuestPhase.Stopping
        || s.phase == GuestPhase.Unknown;
  }

  private static String addressText(KvmGuestStatus s) {
    return s.ip == null ? "" : " with " + s.ip + " " + s.mac;
  }
}
