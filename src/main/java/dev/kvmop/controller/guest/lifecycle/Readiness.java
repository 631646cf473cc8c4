package dev.kvmop.controller.guest.lifecycle;

import static dev.kvmop.api.Conditions.READY;

import dev.kvmop.api.GuestReasons;
import dev.kvmop.api.KvmGuestSpec;
import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.host.HostException;
import java.time.Duration;

/** Ready of a running guest: its readinessProbe, or just the running qemu without one. */
final class Readiness {
  /**
   * Safety net between probe-driven reconciles of a running guest. Short because JOSDK 5.3 can drop
   * a foreign update (a deletion, a spec edit) that lands while its own status write is in flight
   * (operator-framework/java-operator-sdk#3398, fixed after 5.3.2, the newest version served here):
   * the recheck bounds that delay. It costs no remote command and no write.
   */
  static final Duration RUNNING_RECHECK = Duration.ofSeconds(30);

  private final GuestServices services;

  Readiness(GuestServices services) {
    this.services = services;
  }

  /** Sets Ready; returns when to look again. */
  /**
   * Right after a launch: a guest with a readinessProbe is not probed yet (it has not booted, and a
   * probe would hold back the Running status by the connect timeout); the next reconcile probes.
   */
  Duration afterLaunch(GuestRun run, HostDirectory.Entry host) throws HostException {
    KvmGuestSpec.ReadinessProbe probe = run.spec().readinessProbe;
    if (probe == null || run.status().ip == null) {
      return check(run, host);
    }
    run.conditions()
        .set(
            READY,
            false,
            GuestReasons.LAUNCHED,
            "qemu launched; the first readiness probe (TCP "
                + run.status().ip
                + ":"
                + probe.tcpPort
                + ") follows");
    return FIRST_PROBE;
  }

  /** How soon after a launch the first readiness probe runs. */
  static final Duration FIRST_PROBE = Duration.ofSeconds(1);

  Duration check(GuestRun run, HostDirectory.Entry host) throws HostException {
    KvmGuestSpec.ReadinessProbe probe = run.spec().readinessProbe;
    KvmGuestStatus s = run.status();
    if (probe == null) {
      run.conditions()
          .set(READY, true, GuestReasons.RUNNING, "qemu is running (no readinessProbe)");
      return RUNNING_RECHECK;
    }
    if (s.ip == null) {
      run.conditions()
          .set(READY, false, GuestReasons.NO_ADDRESS, "readinessProbe needs a pool address");
      return RUNNING_RECHECK;
    }
    boolean up = services.agent(host).tcpReachable(s.ip, probe.tcpPort);
    run.conditions()
        .set(
            READY,
            up,
            up ? GuestReasons.PROBE_SUCCEEDED : GuestReasons.PROBE_FAILED,
            "TCP "
                + s.ip
                + ":"
                + probe.tcpPort
                + (up ? " accepts connections" : " refused or timed out"));
    return Duration.ofSeconds(probe.periodSeconds);
  }
}
