package dev.kvmop.controller.guest.lifecycle;

import static dev.kvmop.api.Conditions.PROCESS_RUNNING;
import static dev.kvmop.api.Conditions.SCHEDULED;

import dev.kvmop.api.Accel;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.GuestReasons;
import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.api.RunStrategy;
import dev.kvmop.controller.CrashPoints;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.StatusConditions;
import dev.kvmop.controller.StatusSink;
import dev.kvmop.host.GuestLaunch;
import dev.kvmop.host.HostAgent;
import dev.kvmop.host.HostException;
import dev.kvmop.host.LaunchedProcess;
import dev.kvmop.qemu.GuestDirs;
import dev.kvmop.qemu.LaunchSpec;
import dev.kvmop.qemu.QemuArgs;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Starting: launch qemu, or adopt the qemu with the guest's identity that already runs (a launch
 * whose reply was lost, an operator restart). Waits out a relaunch backoff first, and has the
 * guest's own disks and seed made ({@link DiskPreparation}) right before.
 */
final class Launch implements PhaseHandler {
  private final GuestServices services;
  private final Exits exits;
  private final Readiness readiness;
  private final LaunchTimes launches;
  private final DiskPreparation disks;
  private final GuestPolicyCheck policy;

  Launch(
      GuestServices services,
      Exits exits,
      Readiness readiness,
      LaunchTimes launches,
      DiskPreparation disks,
      GuestPolicyCheck policy) {
    this.services = services;
    this.exits = exits;
    this.readiness = readiness;
    this.launches = launches;
    this.disks = disks;
    this.policy = policy;
  }

  @Override
  public Outcome handle(GuestRun run, HostDirectory.Entry host, StatusSink<KvmGuestStatus> record)
      throws HostException {
    KvmGuestStatus s = run.status();
    if (run.spec().runStrategy == RunStrategy.Halted) {
      services
          .transitions()
          .enter(run, GuestPhase.Stopped, GuestReasons.HALTED, "runStrategy is Halted");
      return Outcome.awaitEvent();
    }
    Instant now = services.now();
    if (s.nextRestartAt != null && now.isBefore(Instant.parse(s.nextRestartAt))) {
      return Outcome.requeue(Duration.between(now, Instant.parse(s.nextRestartAt)).plusMillis(50));
    }
    String accel = accel(run.spec().accel, host);
    if (accel == null) {
      return cannotLaunch(
          run,
          GuestReasons.NO_ACCELERATOR,
          "spec.accel "
              + run.spec().accel
              + ": the host has no usable accelerator (no /dev/kvm or vmx/svm, and TCG not allowed)",
          "no accelerator for spec.accel");
    }
    GuestDirs dirs = run.dirsOn(host);
    // also here: a restart or relaunch comes to Starting without the check before the handlers
    Optional<Outcome> refused = policy.check(run, host);
    if (refused.isPresent()) {
      return refused.get();
    }
    Optional<Outcome> disksNotReady = disks.prepare(run, host);
    if (disksNotReady.isPresent()) {
      return disksNotReady.get();
    }
    return launch(run, host, dirs, accel);
  }

  private Outcome cannotLaunch(GuestRun run, String reason, String why, String message) {
    run.conditions().set(SCHEDULED, false, reason, why);
    services.transitions().enter(run, GuestPhase.Failed, reason, message);
    return Outcome.awaitEvent();
  }

  private Outcome launch(GuestRun run, HostDirectory.Entry host, GuestDirs dirs, String accel)
      throws HostException {
    List<String> argv =
        QemuArgs.build(
            new LaunchSpec(
                run.namespace(),
                run.name(),
                run.uid(),
                dirs.dir(),
                host.qemuBinary(),
                host.spec().qemu.biosDir,
                run.spec(),
                accel,
                run.status().mac,
                host.spec().workDir + "/qemu-ifup",
                runAs(host)));
    services
        .transitions()
        .enter(run, GuestPhase.Starting, GuestReasons.LAUNCHING, "launching qemu");
    LaunchedProcess p;
    HostAgent agent = services.agent(host);
    Leases.deliver(run, host, agent);
    try {
      p = agent.launch(new GuestLaunch(dirs.dir(), argv, run.uid(), runAs(host)));
    } catch (HostException e) {
      if (e.reason() != HostException.Reason.CommandFailed) {
        throw e;
      }
      run.conditions().set(PROCESS_RUNNING, false, GuestReasons.LAUNCH_FAILED, e.getMessage());
      return exits.crashed(run, host, GuestReasons.LAUNCH_FAILED, e.getMessage());
    }
    CrashPoints.reach(CrashPoints.AFTER_LAUNCH);
    policy.launched(run.uid());
    launches.launched(run.uid(), services.now());
    recordLaunch(run, p, argv);
    return Outcome.requeue(readiness.afterLaunch(run, host));
  }

  private void recordLaunch(GuestRun run, LaunchedProcess p, List<String> argv) {
    KvmGuestStatus s = run.status();
    // A relaunch: a new process after one that ran. An adopted process is one too when the last
    // exit came after the recorded start (a relaunch whose confirmation was lost).
    boolean relaunch = s.startedAt != null && (!p.adopted() || exitedSinceStart(s));
    if (relaunch) {
      s.restarts = (s.restarts == null ? 0 : s.restarts) + 1;
      services.transitions().restarted();
    }
    s.restarts = s.restarts == null ? 0 : s.restarts;
    if (!p.adopted() || s.startedAt == null) {
      s.startedAt = StatusConditions.now(services.clock());
    }
    s.pid = p.pid();
    s.processStartTicks = p.startTicks();
    s.bootId = p.bootId();
    s.qemuArgv = argv;
    s.nextRestartAt = null;
    run.conditions()
        .set(
            PROCESS_RUNNING,
            true,
            p.adopted() ? GuestReasons.ADOPTED : GuestReasons.STARTED,
            "qemu pid " + p.pid());
    services
        .transitions()
        .enter(
            run,
            GuestPhase.Running,
            p.adopted() ? GuestReasons.ADOPTED : GuestReasons.LAUNCHED,
            "qemu pid " + p.pid() + run.addressText());
  }

  /** The user qemu drops to, or null for the SSH user. */
  private static String runAs(HostDirectory.Entry host) {
    var policy = host.spec().guestPolicy;
    return policy == null || policy.runAs == null || policy.runAs.isEmpty() ? null : policy.runAs;
  }

  /** The accelerator qemu gets: kvm, tcg, or null when spec.accel cannot be met on the host. */
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

  private static boolean exitedSinceStart(KvmGuestStatus s) {
    return s.lastExit != null
        && s.lastExit.at != null
        && Instant.parse(s.lastExit.at).isAfter(Instant.parse(s.startedAt));
  }
}
