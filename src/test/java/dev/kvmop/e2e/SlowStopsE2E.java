package dev.kvmop.e2e;

import static dev.kvmop.testing.TestObjects.guest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.testing.E2EEnvironment;
import dev.kvmop.testing.OperatorProcess;
import dev.kvmop.testing.QemuProcesses;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stops never hold a reconcile thread. The operator runs with 2 reconcile threads; 4 guests that
 * ignore the ACPI power button (machine none: no ACPI at all) and have a long grace period are
 * deleted at once, so their stops wait out the grace. Meanwhile the other guests of the host stay
 * Running (never Unknown), the host is probed on schedule, and a guest created then reaches
 * Running. Then the 4 deletions end (SIGTERM after the grace) and none of their qemu is left.
 */
class SlowStopsE2E {
  static final int SLOW = 4;
  static final int GRACE = 40;

  /** How long into the grace the test watches the others (well before any stop can end). */
  static final Duration WATCH = Duration.ofSeconds(20);

  @TempDir static Path tmp;
  static E2EEnvironment env;
  static OperatorProcess operator;

  @BeforeAll
  static void start() {
    env = new E2EEnvironment(tmp);
    env.client.resource(env.host("node", env.sshd.hostKeyLine(), 0)).create();
    operator = env.startOperator(Map.of(), List.of("--threads", "2"));
    env.awaitHost("node", HostPhase.Ready);
  }

  @AfterAll
  static void stop() {
    if (env != null) {
      env.close();
    }
  }

  @Test
  void slowStopsHoldNoReconcileThread() {
    for (int i = 1; i <= SLOW; i++) {
      env.client.resource(guest("slow-" + i).on("node").grace(GRACE).build()).create();
    }
    List<String> others = List.of("keep-1", "keep-2");
    others.forEach(n -> env.client.resource(guest(n).on("node").build()).create());
    List<String> slowUids = new ArrayList<>();
    for (int i = 1; i <= SLOW; i++) {
      slowUids.add(env.awaitGuest("slow-" + i, GuestPhase.Running).getMetadata().getUid());
    }
    others.forEach(n -> env.awaitGuest(n, GuestPhase.Running));

    Instant deleted = Instant.now();
    for (int i = 1; i <= SLOW; i++) {
      env.client.resource(env.get("slow-" + i)).delete();
    }
    double probes = probeCount();
    env.client.resource(guest("fresh").on("node").build()).create();
    Set<String> notRunning = new TreeSet<>();
    Instant[] freshRunning = new Instant[1];
    await()
        .atMost(WATCH.plusSeconds(10))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              for (String n : others) {
                KvmGuest g = env.get(n);
                if (g.getStatus().phase != GuestPhase.Running) {
                  notRunning.add(n + " " + g.getStatus().phase);
                }
              }
              KvmGuest fresh = env.get("fresh");
              if (freshRunning[0] == null
                  && fresh.getStatus() != null
                  && fresh.getStatus().phase == GuestPhase.Running) {
                freshRunning[0] = Instant.now();
              }
              return !Instant.now().isBefore(deleted.plus(WATCH));
            });
    double probed = probeCount() - probes;
    Map<String, List<Long>> qemu = QemuProcesses.byUuidBelow(env.guestsDir("node"));
    System.out.printf(
        "slow stops: %d deletions in their %d s grace on 2 threads; in %d s: %.0f probes,"
            + " fresh guest Running after %s, others not Running: %s%n",
        SLOW,
        GRACE,
        WATCH.toSeconds(),
        probed,
        freshRunning[0] == null ? "never" : Duration.between(deleted, freshRunning[0]),
        notRunning);
    assertThat(slowUids)
        .as("the slow guests' qemu still wait out their grace")
        .allMatch(qemu::containsKey);
    assertThat(notRunning).as("the other guests stay Running").isEmpty();
    assertThat(freshRunning[0]).as("a guest created during the stops reaches Running").isNotNull();
    // Probed every second; a probe waiting behind the stops would miss many rounds.
    assertThat(probed)
        .as("probes in %d s", WATCH.toSeconds())
        .isGreaterThanOrEqualTo(WATCH.toSeconds() / 2.0);

    await()
        .atMost(Duration.ofSeconds(GRACE + 40))
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> env.guestsNamed("slow-").isEmpty());
    Instant gone = Instant.now();
    Map<String, List<Long>> after = QemuProcesses.byUuidBelow(env.guestsDir("node"));
    System.out.printf(
        "slow stops: all %d deleted %s after the deletion%n",
        SLOW, Duration.between(deleted, gone));
    assertThat(Duration.between(deleted, gone)).isGreaterThanOrEqualTo(Duration.ofSeconds(GRACE));
    slowUids.forEach(uid -> assertThat(after).as("qemu of " + uid).doesNotContainKey(uid));
    assertThat(env.get("keep-1").getStatus().phase).isEqualTo(GuestPhase.Running);
  }

  private static double probeCount() {
    return operator.metricSum("kvmop_ssh_command_seconds_count", "op=\"probe\"");
  }
}
