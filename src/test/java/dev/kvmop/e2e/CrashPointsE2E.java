package dev.kvmop.e2e;

import static dev.kvmop.testing.QemuProcesses.qemuWithUuid;
import static dev.kvmop.testing.TestObjects.guest;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.api.KvmGuest;
import dev.kvmop.controller.CrashPoints;
import dev.kvmop.testing.E2EEnvironment;
import dev.kvmop.testing.HostAudit;
import dev.kvmop.testing.OperatorProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator process halted (like SIGKILL) at each of its crash points, five times each, then
 * started again: after every restart no guest has a second qemu, no address is held twice, no qemu
 * or guest directory outlives its KvmGuest, and every guest is where it was meant to be (Running,
 * or deleted and gone). One environment for all runs, a fresh guest per run; the guests the launch
 * points leave running stay, so every restart also has to adopt them.
 */
class CrashPointsE2E {
  static final List<String> LAUNCH_POINTS =
      List.of(
          CrashPoints.AFTER_ALLOCATION,
          CrashPoints.AFTER_ADDRESS_PERSISTED,
          CrashPoints.AFTER_LAUNCH);

  /** Reached only by a deletion: the guest runs first, the armed operator deletes it. */
  static final List<String> DELETION_POINTS =
      List.of(CrashPoints.DURING_STOP, CrashPoints.BEFORE_RELEASE);

  static final int RUNS_PER_POINT = 5;
  static final int RESIDENTS = 2;

  /**
   * Exactly enough addresses for the residents, the guests the launch points leave running, and one
   * more: an address a crash leaked (never released) leaves a later guest PoolExhausted.
   */
  static final int POOL = RESIDENTS + LAUNCH_POINTS.size() * RUNS_PER_POINT + 1;

  static final Duration HALT_WAIT = Duration.ofSeconds(90);

  @TempDir static Path tmp;
  static E2EEnvironment env;
  static OperatorProcess operator;

  @BeforeAll
  static void start() {
    env = new E2EEnvironment(tmp);
    operator = env.startOperatorWithHost("node", POOL);
    for (int i = 1; i <= RESIDENTS; i++) {
      env.client.resource(guest("resident-" + i).on("node").networked().build()).create();
    }
    for (int i = 1; i <= RESIDENTS; i++) {
      env.awaitSteady("resident-" + i);
    }
  }

  @AfterAll
  static void stop() {
    if (env != null) {
      env.close();
    }
  }

  @Test
  void operatorHaltedAtEveryCrashPointConvergesWithoutDuplicatesOrLeaks() {
    int runs = 0;
    int duplicates = 0;
    int leaks = 0;
    List<String> findings = new ArrayList<>();
    List<String> points = new ArrayList<>(LAUNCH_POINTS);
    points.addAll(DELETION_POINTS);
    for (String point : points) {
      boolean deletion = DELETION_POINTS.contains(point);
      for (int i = 1; i <= RUNS_PER_POINT; i++) {
        // "after-address-persisted" -> "a-address-persisted-1"
        String name = point.charAt(0) + point.substring(point.indexOf('-')) + "-" + i;
        String uid = deletion ? crashWhileDeleting(name, point) : crashWhileLaunching(name, point);

        operator = env.startOperator();
        if (deletion) {
          env.awaitGone(name);
          assertThat(qemuWithUuid(uid)).as(name + ": its qemu is gone").isEmpty();
        }
        for (KvmGuest g : env.guestsOf("node")) {
          String n = g.getMetadata().getName();
          KvmGuest steady = env.awaitSteady(n);
          assertThat(qemuWithUuid(steady.getMetadata().getUid()))
              .as("%s after the halt at %s: one qemu, the one in status", n, point)
              .containsExactly((long) steady.getStatus().pid);
        }
        HostAudit audit = HostAudit.of(env, "node");
        runs++;
        duplicates += audit.duplicates();
        leaks += audit.leaks();
        audit.findings().forEach(f -> findings.add(name + ": " + f));
      }
    }

    // The pool's last free address: had a crash leaked one, this guest would get none.
    env.client.resource(guest("last-address").on("node").networked().build()).create();
    env.awaitSteady("last-address");

    System.out.printf("crash-points: %d runs, %d duplicates, %d leaks%n", runs, duplicates, leaks);
    assertThat(findings).as("violations after the restarts").isEmpty();
    assertThat(runs).isEqualTo((LAUNCH_POINTS.size() + DELETION_POINTS.size()) * RUNS_PER_POINT);
  }

  /** A new guest for an operator armed at {@code point}; returns the guest's uid. */
  private static String crashWhileLaunching(String name, String point) {
    operator.kill();
    String uid =
        env.client
            .resource(guest(name).on("node").networked().build())
            .create()
            .getMetadata()
            .getUid();
    awaitHalt(point);
    return uid;
  }

  /** A guest runs; an operator armed at {@code point} is to delete it; returns the guest's uid. */
  private static String crashWhileDeleting(String name, String point) {
    env.client.resource(guest(name).on("node").networked().build()).create();
    KvmGuest running = env.awaitSteady(name);
    operator.kill();
    env.client.resource(running).delete();
    assertThat(env.get(name)).as(name + " held by its finalizer").isNotNull();
    awaitHalt(point);
    if (point.equals(CrashPoints.BEFORE_RELEASE)) {
      assertThat(env.get(name)).as(name + " not released before the halt").isNotNull();
      assertThat(qemuWithUuid(running.getMetadata().getUid()))
          .as(name + ": qemu stopped before the halt")
          .isEmpty();
      assertThat(
              Files.exists(
                  env.workRoot.resolve(
                      "node/guests/"
                          + E2EEnvironment.NS
                          + "_"
                          + name
                          + "_"
                          + running.getMetadata().getUid())))
          .as(name + ": guest directory removed before the halt")
          .isFalse();
    }
    return running.getMetadata().getUid();
  }

  private static void awaitHalt(String point) {
    OperatorProcess crashing = env.startCrashingOperator(point);
    assertThat(crashing.awaitExit(HALT_WAIT))
        .as("operator armed at %s halted; log:%n%s", point, crashing.log())
        .isTrue();
    assertThat(crashing.exitCode())
        .as(
            "operator halted at the crash point %s (not another exit); log:%n%s",
            point, crashing.log())
        .isEqualTo(137);
  }
}
