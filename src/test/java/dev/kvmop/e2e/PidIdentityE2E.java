package dev.kvmop.e2e;

import static dev.kvmop.testing.QemuProcesses.isQemu;
import static dev.kvmop.testing.QemuProcesses.qemuWithUuid;
import static dev.kvmop.testing.TestObjects.guest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvmop.api.ExitReason;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.RunStrategy;
import dev.kvmop.testing.E2EEnvironment;
import dev.kvmop.testing.PidRecycler;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7, suite 4, against real processes: the built operator, real OpenSSH and real qemu. A
 * guest's pidfile is made to name the wrong process (a live non-qemu process, the qemu of another
 * guest, a dead pid, or the guest's own pid recycled by a new process with a later start time); the
 * guest must never be reported Running as that process, and that process must never be signalled,
 * whether the guest is relaunched, adopted, or left Failed and then deleted. (The verb level is
 * covered by GuestVerbsIT; this table replaces the single case GuestLifecycleE2E had.)
 */
class PidIdentityE2E {
  @TempDir static Path tmp;
  static E2EEnvironment env;
  static KvmGuest other;

  /** The process the pidfile names after tampering; handle null when it is gone (dead pid). */
  record Wrong(long pid, long startTicks, ProcessHandle handle, boolean otherGuest) {}

  interface Tamper {
    Wrong apply(KvmGuest g) throws Exception;
  }

  /** What the operator must do afterwards. */
  enum Outcome {
    /** A fresh qemu is launched for the guest. */
    RELAUNCHED,
    /** The guest's own qemu, still running, is found by identity and adopted. */
    ADOPTED,
    /** Manual: Failed, and then the deletion must not signal the wrong process. */
    FAILED_THEN_DELETED
  }

  record Case(String name, RunStrategy strategy, Tamper tamper, Outcome outcome) {}

  @BeforeAll
  static void start() {
    env = new E2EEnvironment(tmp);
    env.startOperatorWithHost("node", 8);
    env.client.resource(guest("other").on("node").build()).create();
    other = env.awaitSteady("other");
  }

  @AfterAll
  static void stop() {
    if (env != null) {
      env.close();
    }
  }

  static List<Case> cases() {
    return List.of(
        new Case("sleep", RunStrategy.Always, g -> sleeper(g, true), Outcome.RELAUNCHED),
        new Case("sleep-own-alive", RunStrategy.Always, g -> sleeper(g, false), Outcome.ADOPTED),
        new Case(
            "sleep-manual", RunStrategy.Manual, g -> sleeper(g, true), Outcome.FAILED_THEN_DELETED),
        new Case("other-qemu", RunStrategy.Always, PidIdentityE2E::otherQemu, Outcome.RELAUNCHED),
        new Case(
            "other-qemu-manual",
            RunStrategy.Manual,
            PidIdentityE2E::otherQemu,
            Outcome.FAILED_THEN_DELETED),
        new Case("dead-pid", RunStrategy.Always, PidIdentityE2E::deadPid, Outcome.RELAUNCHED),
        new Case(
            "recycled-sleep",
            RunStrategy.Always,
            g -> recycled(g, List.of("sleep", "600")),
            Outcome.RELAUNCHED),
        new Case(
            "recycled-qemu",
            RunStrategy.Always,
            g ->
                recycled(
                    g,
                    List.of(
                        E2EEnvironment.QEMU,
                        "-machine",
                        "none",
                        "-S",
                        "-display",
                        "none",
                        "-nodefaults")),
            Outcome.RELAUNCHED),
        new Case(
            "recycled-sleep-manual",
            RunStrategy.Manual,
            g -> recycled(g, List.of("sleep", "600")),
            Outcome.FAILED_THEN_DELETED));
  }

  @Test
  void aPidfileNamingTheWrongProcessIsNeverTakenForTheGuest() throws Exception {
    List<Case> cases = cases();
    int wrongRunning = 0;
    int signalled = 0;
    for (Case c : cases) {
      String name = "p-" + c.name();
      KvmGuest spec = guest(name).on("node").build();
      spec.getSpec().runStrategy = c.strategy();
      env.client.resource(spec).create();
      KvmGuest before = env.awaitSteady(name);
      String uid = before.getMetadata().getUid();
      List<KvmGuest> seen = new CopyOnWriteArrayList<>();
      Watch watch = watch(name, seen);
      Wrong wrong = null;
      try {
        wrong = c.tamper().apply(before);
        switch (c.outcome()) {
          case RELAUNCHED -> {
            KvmGuest after =
                env.awaitGuest(
                    name,
                    g ->
                        steady(g) && g.getStatus().restarts != null && g.getStatus().restarts >= 1);
            assertThat(after.getStatus().lastExit.reason)
                .as(c.name())
                .isEqualTo(ExitReason.Crashed);
            assertThat(qemuWithUuid(uid))
                .as(c.name())
                .containsExactly((long) after.getStatus().pid);
            assertThat((long) after.getStatus().pid).as(c.name()).isNotEqualTo(wrong.pid());
          }
          case ADOPTED -> {
            KvmGuest after =
                env.awaitGuest(
                    name,
                    g ->
                        steady(g)
                            && g.getStatus().lastExit != null
                            && g.getStatus().pid.equals(before.getStatus().pid));
            assertThat(qemuWithUuid(uid))
                .as(c.name())
                .containsExactly((long) after.getStatus().pid);
          }
          case FAILED_THEN_DELETED -> {
            KvmGuest failed = env.awaitGuest(name, GuestPhase.Failed);
            assertThat(failed.getStatus().pid).as(c.name()).isNull();
            Path dir = guestDir(before);
            env.client.resource(failed).delete();
            env.awaitGone(name);
            assertThat(dir).as(c.name()).doesNotExist();
          }
        }
        seen.add(env.get(name) == null ? before : env.get(name));
        Wrong w = wrong;
        long bad =
            seen.stream()
                .filter(g -> g.getStatus() != null && g.getStatus().pid != null)
                .filter(g -> g.getStatus().pid == w.pid())
                .filter(
                    g ->
                        w.pid() != before.getStatus().pid
                            || g.getStatus().processStartTicks == w.startTicks())
                .count();
        wrongRunning += bad;
        boolean alive = w.handle() == null || w.handle().isAlive();
        if (w.otherGuest()) {
          KvmGuest o = env.get("other");
          alive = alive && steady(o) && o.getStatus().pid.equals(other.getStatus().pid);
        }
        signalled += alive ? 0 : 1;
        System.out.println(
            "pid-identity: "
                + c.name()
                + " -> "
                + c.outcome()
                + " ("
                + seen.size()
                + " status versions seen, "
                + bad
                + " naming the wrong process, wrong process "
                + (alive ? "untouched" : "SIGNALLED")
                + ")");
        assertThat(bad).as(c.name() + ": status naming the wrong process").isZero();
        assertThat(alive).as(c.name() + ": the wrong process is never signalled").isTrue();
      } finally {
        watch.close();
        if (wrong != null && wrong.handle() != null && !wrong.otherGuest()) {
          wrong.handle().destroyForcibly();
        }
        if (env.get(name) != null) {
          env.client
              .resources(KvmGuest.class)
              .inNamespace(E2EEnvironment.NS)
              .withName(name)
              .delete();
          env.awaitGone(name);
        }
      }
    }
    System.out.println(
        "pid-identity: "
            + cases.size()
            + " cases, "
            + wrongRunning
            + " wrong-process Running, "
            + signalled
            + " wrong processes signalled");
    assertThat(wrongRunning).isZero();
    assertThat(signalled).isZero();
  }

  // --- tampering -----------------------------------------------------------------------------

  /** A live `sleep` in the pidfile; the guest's own qemu killed first, or left running. */
  static Wrong sleeper(KvmGuest g, boolean killOwn) throws Exception {
    if (killOwn) {
      killQemu(g.getStatus().pid);
    }
    Process sleep = new ProcessBuilder("sleep", "600").start();
    writePidfile(g, sleep.pid());
    return new Wrong(sleep.pid(), PidRecycler.startTicks(sleep.pid()), sleep.toHandle(), false);
  }

  /** The qemu of the guest "other" in the pidfile; the guest's own qemu killed. */
  static Wrong otherQemu(KvmGuest g) throws Exception {
    killQemu(g.getStatus().pid);
    long pid = other.getStatus().pid;
    writePidfile(g, pid);
    return new Wrong(pid, PidRecycler.startTicks(pid), ProcessHandle.of(pid).orElseThrow(), true);
  }

  /** A pid whose process has exited (and been reaped). */
  static Wrong deadPid(KvmGuest g) throws Exception {
    killQemu(g.getStatus().pid);
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    writePidfile(g, p.pid());
    return new Wrong(p.pid(), -1, null, false);
  }

  /**
   * The guest's qemu killed and its pid given to a new process (later start time); the pidfile
   * still names that pid.
   */
  static Wrong recycled(KvmGuest g, List<String> command) {
    long pid = g.getStatus().pid;
    killQemu(pid);
    await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(Path.of("/proc/" + pid)));
    ProcessHandle h = PidRecycler.spawnAt(pid, command);
    long ticks = PidRecycler.startTicks(pid);
    assertThat(ticks).isGreaterThan(g.getStatus().processStartTicks);
    return new Wrong(pid, ticks, h, false);
  }

  static void killQemu(long pid) {
    ProcessHandle.of(pid).filter(h -> isQemu(pid)).orElseThrow().destroyForcibly();
    await().atMost(Duration.ofSeconds(10)).until(() -> !isQemu(pid));
  }

  static void writePidfile(KvmGuest g, long pid) {
    try {
      Files.writeString(guestDir(g).resolve("pid"), pid + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path guestDir(KvmGuest g) {
    return env.workRoot
        .resolve("node")
        .resolve("guests")
        .resolve(
            g.getMetadata().getNamespace()
                + "_"
                + g.getMetadata().getName()
                + "_"
                + g.getMetadata().getUid());
  }

  // --- observation ---------------------------------------------------------------------------

  static boolean steady(KvmGuest g) {
    return g != null
        && g.getStatus() != null
        && g.getStatus().phase == GuestPhase.Running
        && g.getStatus().pid != null
        && g.getStatus().conditions.stream()
            .anyMatch(x -> "ProcessRunning".equals(x.getType()) && "Running".equals(x.getReason()));
  }

  /** Every version of the guest the API sends while tampering is going on. */
  static Watch watch(String name, List<KvmGuest> seen) {
    return env.client
        .resources(KvmGuest.class)
        .inNamespace(E2EEnvironment.NS)
        .withName(name)
        .watch(
            new Watcher<>() {
              @Override
              public void eventReceived(Action action, KvmGuest g) {
                seen.add(g);
              }

              @Override
              public void onClose(WatcherException cause) {}
            });
  }
}
