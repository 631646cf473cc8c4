package dev.kvmop.controller.guest.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.api.Accel;
import dev.kvmop.api.Annotations;
import dev.kvmop.api.Conditions;
import dev.kvmop.api.ExitReason;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.GuestReasons;
import dev.kvmop.api.HostPhase;
import dev.kvmop.api.HostReasons;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.api.KvmHostStatus;
import dev.kvmop.api.NetworkType;
import dev.kvmop.api.RunStrategy;
import dev.kvmop.controller.StatusConditions;
import dev.kvmop.host.HostException;
import dev.kvmop.testing.TestObjects;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The guest state machine without an operator: each row puts one guest in a phase on a fake host,
 * changes one thing (a probe, an annotation, the spec, an injected host failure) and runs one
 * reconcile, then checks the phases it went through, its conditions and the host verbs it called.
 * Every arrow of the guest diagrams in docs/state-diagrams.md is claimed by a row, and every row's
 * arrows must be drawn there.
 */
class GuestLifecycleTableTest {
  private static final Path DIAGRAMS = Path.of("docs/state-diagrams.md");
  private static final Pattern EDGE = Pattern.compile("^\\s*(\\S+)\\s+-->\\s+(\\S+?)\\s*:");
  private static final Pattern PHASE_EVENT =
      Pattern.compile("^(?:Normal|Warning) \\S+: Guest (\\w+): ");
  private static final HostException UNREACHABLE =
      new HostException(HostException.Reason.Unreachable, "connection reset");
  private static final HostException COMMAND_FAILED =
      new HostException(HostException.Reason.CommandFailed, "qemu: bad disk");

  @TestFactory
  Stream<DynamicTest> everyRow() {
    return rows().stream().map(r -> DynamicTest.dynamicTest(r.name(), r::run));
  }

  @Test
  void theRowsCoverExactlyTheArrowsOfTheGuestDiagrams() throws IOException {
    List<String> drawn = drawnEdges();
    assertThat(drawn).as("each arrow is drawn once").doesNotHaveDuplicates();
    Set<String> claimed = new LinkedHashSet<>();
    rows().forEach(r -> claimed.addAll(r.edges()));
    assertThat(claimed).as("arrows the rows take that are not drawn").isSubsetOf(drawn);
    assertThat(drawn).as("arrows no row takes").isSubsetOf(claimed);
  }

  @Test
  void everyGuestReasonIsListedWithItsMeaning() throws Exception {
    String doc = guestSection();
    for (Field f : GuestReasons.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
        assertThat(doc).contains("| `" + f.get(null) + "` |");
      }
    }
  }

  @Test
  void theAddressIsOnRecordBeforeQemuLaunches() {
    LifecycleWorld w = new LifecycleWorld();
    w.reconcile();
    LifecycleWorld.Write first = w.writes.get(0);
    assertThat(first.status().phase).isEqualTo(GuestPhase.Scheduled);
    assertThat(first.status().ip).isEqualTo("10.0.0.10");
    assertThat(first.verbsBefore()).as("host verbs before the address was written").isZero();
    assertThat(w.fake.verbs).singleElement().asString().startsWith("launch ");
  }

  @Test
  void stoppingIsOnRecordBeforeTheStop() {
    for (boolean deletion : List.of(false, true)) {
      LifecycleWorld w = running(new LifecycleWorld());
      if (deletion) {
        w.delete(Duration.ZERO);
        assertThat(w.cleanup()).isEmpty();
      } else {
        w.spec(s -> s.runStrategy = RunStrategy.Halted);
        w.reconcile();
      }
      LifecycleWorld.Write stopping =
          w.writes.stream()
              .filter(x -> x.status().phase == GuestPhase.Stopping)
              .findFirst()
              .orElseThrow();
      assertThat(w.fake.verbs.get(stopping.verbsBefore())).startsWith("stop ");
    }
  }

  @Test
  void aResetTokenIsCarriedOutOnce() {
    LifecycleWorld w = running(new LifecycleWorld());
    w.annotate(Annotations.RESET, "t1");
    w.reconcile();
    w.reconcile();
    w.annotate(Annotations.RESET, "t2");
    w.reconcile();
    assertThat(w.fake.count("reset")).isEqualTo(2);
    assertThat(w.status().actions.reset).isEqualTo("t2");
  }

  // --- the rows --------------------------------------------------------------------------------

  static List<TableRow> rows() {
    List<TableRow> rows = new ArrayList<>();
    rows.addAll(lifeOfAGuest());
    rows.addAll(exitsAndIdlePhases());
    rows.addAll(specAndHostTrouble());
    rows.addAll(deletion());
    rows.addAll(phaseKept());
    rows.addAll(DiskRows.rows());
    rows.addAll(PlacementRows.placement());
    rows.addAll(PlacementRows.placementKept());
    return rows;
  }

  static List<TableRow> lifeOfAGuest() {
    return List.of(
        row("created: placed, address on record, launched in one reconcile")
            .edges("[*] --> Pending", "Pending --> Scheduled")
            .edges("Scheduled --> Starting", "Starting --> Running")
            .expect(GuestPhase.Running)
            .conditions("SpecValid=True/Valid", "Scheduled=True/Scheduled")
            .conditions("AddressAssigned=True/Assigned", "ProcessRunning=True/Started")
            .conditions("Ready=True/Running")
            .verbs("launch")
            .requeue(Readiness.RUNNING_RECHECK),
        row("pool exhausted: waits in Pending")
            .given(w -> w.hostSpec(s -> s.addresses.remove(1)))
            .given(w -> w.others.add(holder("vm-b", TestObjects.poolEntry(0).ip)))
            .edges("[*] --> Pending", "Pending --> Pending")
            .expect(GuestPhase.Pending)
            .conditions("AddressAssigned=False/PoolExhausted", "Scheduled=False/PoolExhausted")
            .awaitEvent(),
        row("host at spec.maxGuests: waits in Pending")
            .given(w -> w.hostSpec(s -> s.maxGuests = 1))
            .given(w -> w.others.add(holder("vm-b", TestObjects.poolEntry(1).ip)))
            .edges("[*] --> Pending", "Pending --> Pending")
            .expect(GuestPhase.Pending)
            .conditions("Scheduled=False/MaxGuestsReached"),
        row("requested address outside the pool: waits in Pending")
            .given(w -> w.spec(s -> s.network.ip = "10.9.9.9"))
            .edges("[*] --> Pending", "Pending --> Pending")
            .expect(GuestPhase.Pending)
            .conditions("AddressAssigned=False/RequestedAddressNotInPool"),
        row("Scheduled on record (operator died after writing the address): launched")
            .given(GuestLifecycleTableTest::scheduledOnRecord)
            .edges("Scheduled --> Starting", "Starting --> Running")
            .expect(GuestPhase.Running)
            .verbs("launch"),
        row("Scheduled, runStrategy Halted: Stopped without a launch")
            .given(GuestLifecycleTableTest::scheduledOnRecord)
            .when(w -> w.spec(s -> s.runStrategy = RunStrategy.Halted))
            .edges("Scheduled --> Stopped")
            .expect(GuestPhase.Stopped),
        row("Scheduled, spec.accel Kvm on a TCG host: Failed (NoAccelerator)")
            .given(GuestLifecycleTableTest::scheduledOnRecord)
            .when(w -> w.spec(s -> s.accel = Accel.Kvm))
            .edges("Scheduled --> Failed")
            .expect(GuestPhase.Failed)
            .conditions("Scheduled=False/NoAccelerator"),
        row("backoff over: relaunched")
            .given(GuestLifecycleTableTest::backingOff)
            .when(w -> w.clock.advance(Duration.ofSeconds(2)))
            .edges("Starting --> Running")
            .expect(GuestPhase.Running)
            .conditions("ProcessRunning=True/Started")
            .verbs("launch"),
        row("launch fails again: backs off longer")
            .given(GuestLifecycleTableTest::backingOff)
            .when(w -> w.clock.advance(Duration.ofSeconds(2)))
            .when(w -> w.fake.failNextLaunch(COMMAND_FAILED))
            .edges("Starting --> exit", "exit --> Starting")
            .expect(GuestPhase.Starting)
            .conditions("ProcessRunning=False/LaunchFailed")
            .verbs("launch", "tails")
            .requeue(Duration.ofSeconds(2))
            .check(w -> assertCrashEvent(w, "LaunchFailed", "qemu: bad disk")),
        row("launch fails under Manual: Failed")
            .given(w -> w.spec(s -> s.runStrategy = RunStrategy.Manual))
            .when(w -> w.fake.failNextLaunch(COMMAND_FAILED))
            .edges("[*] --> Pending", "Pending --> Scheduled", "Scheduled --> Starting")
            .edges("Starting --> exit", "exit --> Failed")
            .expect(GuestPhase.Failed)
            .conditions("ProcessRunning=False/LaunchFailed")
            .verbs("launch", "tails")
            .check(w -> assertThat(w.status().lastExit.reason).isEqualTo(ExitReason.Crashed)),
        row("backing off, runStrategy Halted: Stopped")
            .given(GuestLifecycleTableTest::backingOff)
            .when(w -> w.spec(s -> s.runStrategy = RunStrategy.Halted))
            .edges("Starting --> Stopped")
            .expect(GuestPhase.Stopped),
        row("backing off, spec.accel Kvm on a TCG host: Failed (NoAccelerator)")
            .given(GuestLifecycleTableTest::backingOff)
            .when(w -> w.clock.advance(Duration.ofSeconds(2)))
            .when(w -> w.spec(s -> s.accel = Accel.Kvm))
            .edges("Starting --> Failed")
            .expect(GuestPhase.Failed)
            .conditions("Scheduled=False/NoAccelerator"),
        // An absolute console.sock path here is far over the 107 bytes of a socket address: the
        // sockets are named relative to the guest directory, so nothing limits the workDir.
        row("backoff over, a workDir of 100 characters: relaunched")
            .given(GuestLifecycleTableTest::backingOff)
            .when(w -> w.clock.advance(Duration.ofSeconds(2)))
            .when(w -> w.hostSpec(s -> s.workDir = "/" + "w".repeat(100)))
            .edges("Starting --> Running")
            .expect(GuestPhase.Running)
            .conditions("ProcessRunning=True/Started")
            .verbs("launch"),
        row("reset token: QMP system_reset, same pid")
            .given(GuestLifecycleTableTest::running)
            .when(w -> w.annotate(Annotations.RESET, "t1"))
            .edges("Running --> Running")
            .expect(GuestPhase.Running)
            .verbs("reset")
            .requeue(Readiness.RUNNING_RECHECK)
            .check(w -> assertThat(w.status().actions.reset).isEqualTo("t1"))
            .check(w -> assertThat(w.status().pid).isEqualTo(w.fake.process(w.dir()).pid))
            .check(w -> assertThat(w.events).anyMatch(e -> e.startsWith("Normal Reset: "))),
        row("restart token: stopped and launched at once, new pid")
            .given(GuestLifecycleTableTest::running)
            .when(w -> w.annotate(Annotations.RESTART, "r1"))
            .edges("Running --> Starting", "Starting --> Running")
            .expect(GuestPhase.Running)
            .conditions("ProcessRunning=True/Started")
            .verbs("stop", "launch")
            .check(w -> assertThat(w.status().restarts).isEqualTo(1))
            .check(w -> assertThat(w.status().actions.restart).isEqualTo("r1")),
        row("runStrategy Halted: stopped")
            .given(GuestLifecycleTableTest::running)
            .when(w -> w.spec(s -> s.runStrategy = RunStrategy.Halted))
            .edges("Running --> Stopping", "Stopping --> Stopped")
            .expect(GuestPhase.Stopped)
            .conditions("ProcessRunning=False/Stopped", "Ready=False/Stopped")
            .verbs("stop")
            .awaitEvent()
            .check(w -> assertThat(w.status().lastExit.reason).isEqualTo(ExitReason.Killed)));
  }

  static List<TableRow> exitsAndIdlePhases() {
    return List.of(
        row("crash under Always: backs off, then relaunches")
            .given(GuestLifecycleTableTest::running)
            .when(w -> w.fake.kill(w.dir()))
            .when(LifecycleWorld::probe)
            .edges("Running --> exit", "exit --> Starting")
            .expect(GuestPhase.Starting)
            .conditions("ProcessRunning=False/Crashed", "Ready=False/Crashed")
            .verbs("tails")
            .requeue(Duration.ofSeconds(1))
            .check(w -> assertCrashEvent(w, "Crashed", "is gone (Crashed)")),
        row("crash, and the host cannot give the logs: the crash is on record all the same")
            .given(GuestLifecycleTableTest::running)
            .when(w -> w.fake.kill(w.dir()))
            .when(LifecycleWorld::probe)
            .when(w -> w.fake.failNext("tails", UNREACHABLE))
            .edges("Running --> exit", "exit --> Starting")
            .expect(GuestPhase.Starting)
            .conditions("ProcessRunning=False/Crashed")
            .verbs("tails")
            .check(
                w ->
                    assertThat(w.events)
                        .contains(
                            "Warning Crashed: qemu pid 1000 is gone (Crashed)\n"
                                + "(logs unavailable: connection reset)")),
        row("guest shut itself down under RerunOnFailure: Succeeded")
            .given(w -> w.spec(s -> s.runStrategy = RunStrategy.RerunOnFailure))
            .given(GuestLifecycleTableTest::running)
            .when(w -> w.fake.guestShutdown(w.dir()))
            .when(LifecycleWorld::probe)
            .edges("Running --> exit", "exit --> Succeeded")
            .expect(GuestPhase.Succeeded)
            .conditions("ProcessRunning=False/Shutdown"),
        row("crash under Manual: Failed")
            .given(GuestLifecycleTableTest::failed)
            .edges("Running --> exit", "exit --> Failed")
            .expect(GuestPhase.Failed)
            .conditions("ProcessRunning=False/Crashed")
            .verbs("tails"),
        row("operator stop cut short under Manual (Killed): Stopped")
            .given(w -> w.spec(s -> s.runStrategy = RunStrategy.Manual))
            .given(GuestLifecycleTableTest::running)
            .when(w -> w.agent().stop(w.dir(), w.guest.getMetadata().getUid(), Duration.ZERO))
            .when(LifecycleWorld::probe)
            .edges("Running --> exit", "exit --> Stopped")
            .expect(GuestPhase.Stopped)
            .conditions("ProcessRunning=False/Killed"),
        row("stop cut short, runStrategy back to Always, qemu still runs: Running")
            .given(GuestLifecycleTableTest::stoppingCutShort)
            .when(w -> w.spec(s -> s.runStrategy = RunStrategy.Always))
            .when(LifecycleWorld::probe)
            .edges("Stopping --> Running")
            .expect(GuestPhase.Running),
        row("stop cut short, still Halted, qemu still runs: stopped again")
            .given(GuestLifecycleTableTest::stoppingCutShort)
            .when(LifecycleWorld::probe)
            .edges("Stopping --> Running", "Running --> Stopping", "Stopping --> Stopped")
            .expect(GuestPhase.Stopped)
            .verbs("stop"),
        row("stop cut short, qemu gone: Stopped under Halted")
            .given(GuestLifecycleTableTest::stoppingCutShort)
            .when(w -> w.fake.kill(w.dir()))
            .when(LifecycleWorld::probe)
            .edges("Stopping --> exit", "exit --> Stopped")
            .expect(GuestPhase.Stopped)
            .conditions("ProcessRunning=False/Crashed")
            .verbs("tails"),
        row("host answers again, same qemu: Running with the same pid")
            .given(GuestLifecycleTableTest::unknown)
            .when(LifecycleWorld::probe)
            .edges("Unknown --> Running")
            .expect(GuestPhase.Running)
            .conditions("ProcessRunning=True/Running")
            .check(w -> assertThat(w.status().pid).isEqualTo(w.fake.process(w.dir()).pid)),
        row("launch reply was lost: launched again, which adopts the qemu that started")
            .given(w -> w.fake.loseNextLaunchReply(UNREACHABLE))
            .given(LifecycleWorld::reconcile)
            .given(w -> assertThat(w.phase()).isEqualTo(GuestPhase.Unknown))
            .when(LifecycleWorld::probe)
            .edges("Unknown --> Starting", "Starting --> Running")
            .expect(GuestPhase.Running)
            .conditions("ProcessRunning=True/Adopted")
            .verbs("launch")
            .check(w -> assertThat(w.fake.count("launch")).isEqualTo(2))
            .check(w -> assertThat(w.status().restarts).isZero()),
        row("host answers after a reboot: HostLost, relaunch under Always")
            .given(GuestLifecycleTableTest::unknown)
            .when(w -> w.fake.reboot())
            .when(LifecycleWorld::probe)
            .edges("Unknown --> exit", "exit --> Starting")
            .expect(GuestPhase.Starting)
            .conditions("ProcessRunning=False/HostLost"),
        row("Stopped, runStrategy back to Always: launched")
            .given(GuestLifecycleTableTest::stopped)
            .when(w -> w.spec(s -> s.runStrategy = RunStrategy.Always))
            .edges("Stopped --> Starting", "Starting --> Running")
            .expect(GuestPhase.Running)
            .verbs("launch")
            .check(w -> assertThat(w.status().restarts).isEqualTo(1)),
        row("Succeeded, restart token: launched")
            .given(GuestLifecycleTableTest::succeeded)
            .when(w -> w.annotate(Annotations.RESTART, "r1"))
            .edges("Succeeded --> Starting", "Starting --> Running")
            .expect(GuestPhase.Running)
            .verbs("launch")
            .check(w -> assertThat(w.events).anyMatch(e -> e.startsWith("Normal Restarted: "))),
        row("Failed, runStrategy back to Always: launched")
            .given(GuestLifecycleTableTest::failed)
            .given(LifecycleWorld::reconcile)
            .when(w -> w.spec(s -> s.runStrategy = RunStrategy.Always))
            .edges("Failed --> Starting", "Starting --> Running")
            .expect(GuestPhase.Running)
            .verbs("launch"),
        row("Succeeded, restart token under Halted: Stopped, nothing launched")
            .given(GuestLifecycleTableTest::succeeded)
            .when(w -> w.spec(s -> s.runStrategy = RunStrategy.Halted))
            .when(w -> w.annotate(Annotations.RESTART, "r1"))
            .edges("Succeeded --> Stopped")
            .expect(GuestPhase.Stopped)
            .check(w -> assertThat(w.status().actions.restart).isEqualTo("r1")),
        row("Failed, restart token under Halted: Stopped, nothing launched")
            .given(GuestLifecycleTableTest::failed)
            .given(LifecycleWorld::reconcile)
            .when(w -> w.spec(s -> s.runStrategy = RunStrategy.Halted))
            .when(w -> w.annotate(Annotations.RESTART, "r1"))
            .edges("Failed --> Stopped")
            .expect(GuestPhase.Stopped));
  }

  static List<TableRow> specAndHostTrouble() {
    return List.of(
        row("invalid spec at creation: Failed, nothing launched")
            .when(w -> w.spec(s -> s.cpus = 0))
            .edges("[*] --> Pending", "Pending --> Failed")
            .expect(GuestPhase.Failed)
            .conditions("SpecValid=False/InvalidSpec", "Ready=False/InvalidSpec")
            .awaitEvent(),
        row("Stopped, spec made invalid: Failed")
            .given(GuestLifecycleTableTest::stopped)
            .when(w -> w.spec(s -> s.memory = "lots"))
            .edges("Stopped --> Failed")
            .expect(GuestPhase.Failed)
            .conditions("SpecValid=False/InvalidSpec"),
        row("Succeeded, spec made invalid: Failed")
            .given(GuestLifecycleTableTest::succeeded)
            .when(w -> w.spec(s -> s.cpus = 0))
            .edges("Succeeded --> Failed")
            .expect(GuestPhase.Failed),
        row("Scheduled, host no longer usable: Pending (HostNotReady)")
            .given(GuestLifecycleTableTest::scheduledOnRecord)
            .when(w -> w.hostPhase(HostPhase.Failed))
            .edges("Scheduled --> Pending")
            .expect(GuestPhase.Pending)
            .conditions("Scheduled=False/HostNotReady", "Ready=False/HostNotReady"),
        row("backing off, KvmHost deleted: Pending (HostNotFound)")
            .given(GuestLifecycleTableTest::backingOff)
            .when(w -> w.host = null)
            .edges("Starting --> Pending")
            .expect(GuestPhase.Pending)
            .conditions("Scheduled=False/HostNotFound"),
        row("Stopped Bridge guest, host network not ready: Pending (NetworkNotReady)")
            .given(GuestLifecycleTableTest::stopped)
            .when(w -> w.spec(s -> s.network.type = NetworkType.Bridge))
            .when(w -> w.host.setStatus(networkNotReady()))
            .edges("Stopped --> Pending")
            .expect(GuestPhase.Pending)
            .conditions("Scheduled=False/NetworkNotReady")
            .check(
                w ->
                    assertThat(
                            StatusConditions.find(w.status().conditions, "Scheduled")
                                .orElseThrow()
                                .getMessage())
                        .contains("NetworkReady=False (DnsmasqMissing)")
                        .contains("dnsmasq-base")),
        row("Succeeded, host does not answer: Pending (HostUnreachable)")
            .given(GuestLifecycleTableTest::succeeded)
            .when(LifecycleWorld::probeFails)
            .edges("Succeeded --> Pending")
            .expect(GuestPhase.Pending)
            .conditions("Scheduled=False/HostUnreachable"),
        row("Failed, host not connected: Pending (HostNotReady)")
            .given(GuestLifecycleTableTest::failed)
            .given(LifecycleWorld::reconcile)
            .when(w -> w.hostPhase(HostPhase.Pending))
            .edges("Failed --> Pending")
            .expect(GuestPhase.Pending)
            .conditions("Scheduled=False/HostNotReady"),
        row("backing off, host does not answer: Unknown (a launch may be in flight)")
            .given(GuestLifecycleTableTest::backingOff)
            .when(LifecycleWorld::probeFails)
            .edges("Starting --> Unknown")
            .expect(GuestPhase.Unknown)
            .conditions("ProcessRunning=Unknown/HostUnreachable", "Ready=Unknown/HostUnreachable"),
        row("connection dropped during the first launch: Unknown")
            .when(w -> w.fake.failNextLaunch(UNREACHABLE))
            .edges("[*] --> Pending", "Pending --> Scheduled", "Scheduled --> Starting")
            .edges("Starting --> Unknown")
            .expect(GuestPhase.Unknown)
            .conditions("ProcessRunning=Unknown/Unreachable")
            .verbs("launch")
            .requeue(Duration.ofSeconds(10)),
        row("Running, host does not answer: Unknown, never relaunched")
            .given(GuestLifecycleTableTest::running)
            .when(LifecycleWorld::probeFails)
            .edges("Running --> Unknown")
            .expect(GuestPhase.Unknown)
            .conditions("ProcessRunning=Unknown/HostUnreachable")
            .awaitEvent(),
        row("Running, connection dropped during a reset: Unknown, token not recorded")
            .given(GuestLifecycleTableTest::running)
            .when(w -> w.annotate(Annotations.RESET, "t1"))
            .when(w -> w.fake.failNext("reset", UNREACHABLE))
            .edges("Running --> Unknown")
            .expect(GuestPhase.Unknown)
            .conditions("ProcessRunning=Unknown/Unreachable")
            .verbs("reset")
            .requeue(Duration.ofSeconds(10))
            .check(w -> assertThat(w.status().actions.reset).isNull()),
        row("Running, KvmHost deleted: Unknown (HostNotFound)")
            .given(GuestLifecycleTableTest::running)
            .when(w -> w.host = null)
            .edges("Running --> Unknown")
            .expect(GuestPhase.Unknown)
            .conditions("ProcessRunning=Unknown/HostNotFound", "Scheduled=False/HostNotFound"),
        row("stop cut short, host Unreachable: Unknown")
            .given(GuestLifecycleTableTest::stoppingCutShort)
            .when(w -> w.hostPhase(HostPhase.Unreachable))
            .edges("Stopping --> Unknown")
            .expect(GuestPhase.Unknown)
            .conditions("ProcessRunning=Unknown/HostUnreachable"));
  }

  static List<TableRow> deletion() {
    return List.of(
        row("deleted: qemu stopped, directory removed, address released")
            .given(GuestLifecycleTableTest::running)
            .when(w -> w.delete(Duration.ZERO))
            .deleting()
            .edges("anyPhase --> Stopping", "Stopping --> [*]")
            .verbs("stop", "remove")
            .released(),
        row("deleted, the stop fails: DeletionPending, retried")
            .given(GuestLifecycleTableTest::running)
            .when(w -> w.delete(Duration.ZERO))
            .when(w -> w.fake.failNext("stop", COMMAND_FAILED))
            .deleting()
            .edges("anyPhase --> Stopping", "Stopping --> Stopping")
            .expect(GuestPhase.Stopping)
            .conditions("Ready=False/DeletionPending")
            .verbs("stop")
            .retryDeletion(Duration.ofSeconds(10)),
        row("deleted, host not usable: DeletionPending, the phase stays")
            .given(GuestLifecycleTableTest::running)
            .when(w -> w.delete(Duration.ZERO))
            .when(w -> w.hostPhase(HostPhase.Failed))
            .deleting()
            .expect(GuestPhase.Running)
            .conditions("Ready=False/DeletionPending")
            .retryDeletion(Duration.ofSeconds(10)),
        row("deleted, the KvmHost is gone: released at once")
            .given(GuestLifecycleTableTest::running)
            .when(w -> w.delete(Duration.ZERO))
            .when(w -> w.host = null)
            .deleting()
            .edges("anyPhase --> [*]")
            .released(),
        row("deleted, host unreachable for 5 minutes: released with a Warning saying what is known")
            .given(GuestLifecycleTableTest::running)
            .when(w -> w.delete(Duration.ofMinutes(6)))
            .when(w -> w.hostPhase(HostPhase.Unreachable))
            .when(w -> w.fake.failNext("stop", UNREACHABLE))
            .deleting()
            .edges("anyPhase --> Stopping", "Stopping --> [*]")
            .verbs("stop")
            .released()
            .check(
                w ->
                    assertThat(w.events)
                        .anyMatch(
                            e ->
                                e.startsWith("Warning ReleasedWithoutCleanup: ")
                                    && e.contains("last error: ")
                                    && e.contains("may still run"))),
        row("deleted, the stop fails for 6 minutes on a host that answers: the address stays held")
            .given(GuestLifecycleTableTest::running)
            .when(w -> w.delete(Duration.ofMinutes(6)))
            .when(w -> w.fake.failNext("stop", COMMAND_FAILED))
            .deleting()
            .edges("anyPhase --> Stopping", "Stopping --> Stopping")
            .expect(GuestPhase.Stopping)
            .conditions("Ready=False/DeletionPending")
            .verbs("stop")
            .retryDeletion(Duration.ofSeconds(10)),
        row("deleted, host Failed (answers, not Ready) for 6 minutes: the address stays held")
            .given(GuestLifecycleTableTest::running)
            .when(w -> w.delete(Duration.ofMinutes(6)))
            .when(w -> w.hostPhase(HostPhase.Failed))
            .deleting()
            .expect(GuestPhase.Running)
            .conditions("Ready=False/DeletionPending")
            .retryDeletion(Duration.ofSeconds(10)));
  }

  /** Reconciles that keep the phase and are not drawn. */
  static List<TableRow> phaseKept() {
    return List.of(
        row("steady Running guest: rechecked in 30 s, nothing new written")
            .given(GuestLifecycleTableTest::running)
            .given(LifecycleWorld::reconcile)
            .expect(GuestPhase.Running)
            .requeue(Readiness.RUNNING_RECHECK)
            .check(GuestLifecycleTableTest::lastTwoWritesEqual),
        row("host not yet known to this operator process: status kept, look again in 2 s")
            .given(GuestLifecycleTableTest::running)
            .when(w -> w.directory.remove(w.hostId()))
            .expect(GuestPhase.Running)
            .conditions("ProcessRunning=True/Started")
            .requeue(HostGate.HOST_NOT_YET_KNOWN),
        row("no probe of the host yet: look again in 2 s")
            .given(GuestLifecycleTableTest::running)
            .when(w -> w.snapshots.clear())
            .expect(GuestPhase.Running)
            .requeue(Follow.FIRST_PROBE_WAIT),
        row("backoff not over yet: look again when it is")
            .given(GuestLifecycleTableTest::backingOff)
            .expect(GuestPhase.Starting)
            .requeue(Duration.ofMillis(1050)),
        row("reset token while Stopped: ResetSkipped, nothing reset")
            .given(GuestLifecycleTableTest::stopped)
            .when(w -> w.annotate(Annotations.RESET, "t1"))
            .expect(GuestPhase.Stopped)
            .awaitEvent()
            .check(w -> assertThat(w.status().actions.reset).isEqualTo("t1"))
            .check(w -> assertThat(w.events).anyMatch(e -> e.startsWith("Warning ResetSkipped: "))),
        row("reset fails on the host: HostCommandFailed, retried in 30 s")
            .given(GuestLifecycleTableTest::running)
            .when(w -> w.annotate(Annotations.RESET, "t1"))
            .when(w -> w.fake.failNext("reset", COMMAND_FAILED))
            .expect(GuestPhase.Running)
            .conditions("Ready=False/HostCommandFailed")
            .verbs("reset")
            .requeue(Duration.ofSeconds(30)),
        row("spec made invalid while qemu runs: it keeps running")
            .given(GuestLifecycleTableTest::running)
            .when(w -> w.spec(s -> s.cpus = 0))
            .expect(GuestPhase.Running)
            .conditions("SpecValid=False/InvalidSpec", "ProcessRunning=True/Started")
            .awaitEvent());
  }

  // --- phases to start from --------------------------------------------------------------------

  static LifecycleWorld running(LifecycleWorld w) {
    w.reconcile();
    w.probe();
    assertThat(w.phase()).isEqualTo(GuestPhase.Running);
    return w;
  }

  /** The operator died right after it put the address on record. */
  static void scheduledOnRecord(LifecycleWorld w) {
    w.crashAtWrite(1);
    w.reconcile();
    assertThat(w.phase()).isEqualTo(GuestPhase.Scheduled);
  }

  /** The first launch failed; the relaunch waits out a 1 s backoff. */
  static void backingOff(LifecycleWorld w) {
    w.fake.failNextLaunch(COMMAND_FAILED);
    w.reconcile();
    assertThat(w.phase()).isEqualTo(GuestPhase.Starting);
    assertThat(w.status().nextRestartAt).isNotNull();
  }

  /** runStrategy Halted, and the operator died right after it put Stopping on record. */
  static void stoppingCutShort(LifecycleWorld w) {
    running(w);
    w.spec(s -> s.runStrategy = RunStrategy.Halted);
    w.crashAtWrite(1);
    w.reconcile();
    assertThat(w.phase()).isEqualTo(GuestPhase.Stopping);
    assertThat(w.fake.process(w.dir()).running).isTrue();
  }

  static void unknown(LifecycleWorld w) {
    running(w);
    w.probeFails();
    w.reconcile();
    assertThat(w.phase()).isEqualTo(GuestPhase.Unknown);
  }

  static void stopped(LifecycleWorld w) {
    running(w);
    w.spec(s -> s.runStrategy = RunStrategy.Halted);
    w.reconcile();
    assertThat(w.phase()).isEqualTo(GuestPhase.Stopped);
  }

  static void succeeded(LifecycleWorld w) {
    w.spec(s -> s.runStrategy = RunStrategy.RerunOnFailure);
    running(w);
    w.fake.guestShutdown(w.dir());
    w.probe();
    w.reconcile();
    assertThat(w.phase()).isEqualTo(GuestPhase.Succeeded);
  }

  /** Manual, and qemu crashed: the row's reconcile (or a given one) makes it Failed. */
  static void failed(LifecycleWorld w) {
    w.spec(s -> s.runStrategy = RunStrategy.Manual);
    running(w);
    w.fake.kill(w.dir());
    w.probe();
  }

  // --- helpers ---------------------------------------------------------------------------------

  /** The last crash Warning Event: its message, then the fake host's log tails, in that order. */
  static void assertCrashEvent(LifecycleWorld w, String reason, String message) {
    assertThat(w.events)
        .filteredOn(e -> e.startsWith("Warning " + reason + ": "))
        .last()
        .satisfies(e -> assertThat(e).contains(message))
        .satisfies(
            e ->
                assertThat(e)
                    .endsWith(
                        "\n--- last lines of serial.log ---\n"
                            + w.fake.logTails.serial()
                            + "\n--- last lines of qemu.log ---\n"
                            + w.fake.logTails.qemu()));
  }

  /** Another guest on the host that holds {@code ip} according to its status. */
  static KvmGuest holder(String name, String ip) {
    KvmGuest g = TestObjects.guest(name).on("node-a").network(NetworkType.User).withUid().build();
    g.setStatus(new KvmGuestStatus());
    g.getStatus().host = "node-a";
    g.getStatus().ip = ip;
    g.getStatus().mac = TestObjects.poolEntry(ip.endsWith(".10") ? 0 : 1).mac;
    return g;
  }

  static KvmHostStatus networkNotReady() {
    KvmHostStatus s = new KvmHostStatus();
    s.phase = HostPhase.Ready;
    s.conditions.add(
        new ConditionBuilder()
            .withType(Conditions.NETWORK_READY)
            .withStatus(Conditions.FALSE)
            .withReason(HostReasons.DNSMASQ_MISSING)
            .withMessage("dnsmasq is not installed on the host (Debian package dnsmasq-base)")
            .build());
    return s;
  }

  static void lastTwoWritesEqual(LifecycleWorld w) {
    int n = w.writes.size();
    assertThat(TableRow.json(w.writes.get(n - 1).status()))
        .isEqualTo(TableRow.json(w.writes.get(n - 2).status()));
  }

  static List<String> drawnEdges() throws IOException {
    List<String> edges = new ArrayList<>();
    boolean inDiagram = false;
    for (String line : guestSection().split("\n")) {
      if (line.startsWith("```")) {
        inDiagram = line.startsWith("```mermaid");
        continue;
      }
      Matcher m = EDGE.matcher(line);
      if (inDiagram && m.find()) {
        edges.add(m.group(1) + " --> " + m.group(2));
      }
    }
    return edges;
  }

  static String guestSection() throws IOException {
    String doc = Files.readString(DIAGRAMS);
    String section = doc.substring(doc.indexOf("\n## KvmGuest"));
    int next = section.indexOf("\n## ", 1);
    return next < 0 ? section : section.substring(0, next);
  }

  static TableRow row(String name) {
    return new TableRow(name);
  }

  /** Phases entered, as the Events of phase changes show them. */
  static List<String> phasesEntered(List<String> events) {
    List<String> phases = new ArrayList<>();
    for (String e : events) {
      Matcher m = PHASE_EVENT.matcher(e);
      if (m.find()) {
        phases.add(m.group(1));
      }
    }
    return phases;
  }
}
