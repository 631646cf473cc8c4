package dev.kvmop.controller.guest.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.api.ExitReason;
import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.host.GuestProcess;
import dev.kvmop.host.GuestProcess.ExitCause;
import dev.kvmop.host.HostProbe;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ObservedTest {
  static final String DIR = "/var/lib/kvmop/guests/ns_vm_uid-1";
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void noSnapshotOrUnreachableHostIsNotYet() {
    assertThat(Observed.from(null, DIR, status("boot-1"), null))
        .isInstanceOf(Observed.NotYet.class);
    var failed = new ProbeSnapshot(T0, null, "connection refused");
    assertThat(Observed.from(failed, DIR, status("boot-1"), null))
        .isInstanceOf(Observed.NotYet.class);
  }

  @Test
  void probeOlderThanTheLaunchIsNotYet() {
    var stale = snapshot(T0, "boot-1", Map.of());
    assertThat(Observed.from(stale, DIR, status("boot-1"), T0.plusMillis(1)))
        .isInstanceOf(Observed.NotYet.class);
    assertThat(Observed.from(stale, DIR, status("boot-1"), T0))
        .isEqualTo(new Observed.Exited(ExitReason.Crashed));
  }

  @Test
  void runningProcessIsReportedWithItsIdentity() {
    var s = snapshot(T0, "boot-1", Map.of(DIR, running(4242, 777L)));
    assertThat(Observed.from(s, DIR, status("boot-1"), T0.minusSeconds(1)))
        .isEqualTo(new Observed.Running(4242, 777L));
  }

  @Test
  void missingDirectoryOnTheSameBootIsACrash() {
    var s = snapshot(T0, "boot-1", Map.of("/var/lib/kvmop/guests/ns_other_uid-2", running(1, 2L)));
    assertThat(Observed.from(s, DIR, status("boot-1"), null))
        .isEqualTo(new Observed.Exited(ExitReason.Crashed));
  }

  @Test
  void exitCauseMapsToExitReason() {
    assertThat(exitWith(ExitCause.StopRequested)).isEqualTo(ExitReason.Killed);
    assertThat(exitWith(ExitCause.GuestShutdown)).isEqualTo(ExitReason.Shutdown);
    assertThat(exitWith(ExitCause.Unknown)).isEqualTo(ExitReason.Crashed);
    assertThat(exitWith(null)).isEqualTo(ExitReason.Crashed);
  }

  @Test
  void aNewBootIdMeansTheHostWasLost() {
    var gone = snapshot(T0, "boot-2", Map.of());
    assertThat(Observed.from(gone, DIR, status("boot-1"), null))
        .isEqualTo(new Observed.Exited(ExitReason.HostLost));
    var dirLeft = snapshot(T0, "boot-2", Map.of(DIR, exited(ExitCause.GuestShutdown)));
    assertThat(Observed.from(dirLeft, DIR, status("boot-1"), null))
        .isEqualTo(new Observed.Exited(ExitReason.HostLost));
  }

  @Test
  void withoutARecordedBootIdAnExitIsJudgedByItsCause() {
    var s = snapshot(T0, "boot-2", Map.of(DIR, exited(ExitCause.GuestShutdown)));
    assertThat(Observed.from(s, DIR, status(null), null))
        .isEqualTo(new Observed.Exited(ExitReason.Shutdown));
  }

  @Test
  void aRunningProcessWinsOverABootChange() {
    // Relaunched on the new boot already (e.g. by a previous operator process): it runs.
    var s = snapshot(T0, "boot-2", Map.of(DIR, running(99, 5L)));
    assertThat(Observed.from(s, DIR, status("boot-1"), null))
        .isEqualTo(new Observed.Running(99, 5L));
  }

  private static ExitReason exitWith(ExitCause cause) {
    var s = snapshot(T0, "boot-1", Map.of(DIR, exited(cause)));
    return ((Observed.Exited) Observed.from(s, DIR, status("boot-1"), null)).reason();
  }

  private static KvmGuestStatus status(String bootId) {
    KvmGuestStatus s = new KvmGuestStatus();
    s.pid = 4242;
    s.processStartTicks = 777L;
    s.bootId = bootId;
    return s;
  }

  private static ProbeSnapshot snapshot(
      Instant at, String bootId, Map<String, GuestProcess> guests) {
    return new ProbeSnapshot(at, new HostProbe(bootId, guests, List.of()), null);
  }

  private static GuestProcess running(int pid, long ticks) {
    return new GuestProcess(DIR, "uid-1", GuestProcess.State.Running, pid, ticks, null);
  }

  private static GuestProcess exited(ExitCause cause) {
    return new GuestProcess(DIR, "uid-1", GuestProcess.State.Exited, null, null, cause);
  }
}
