package dev.kvmop.e2e;

import static dev.kvmop.testing.QemuProcesses.qemuWithUuid;
import static dev.kvmop.testing.TestObjects.guest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvmop.api.ExitReason;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHost;
import dev.kvmop.testing.E2EEnvironment;
import dev.kvmop.testing.HostAudit;
import dev.kvmop.testing.QemuProcesses;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host misbehaves under 20 running guests: its SSH connections drop while launches are in
 * flight, its sshd is gone for 30 s, and it reboots (a new boot id, every qemu gone). The guests
 * must never be launched twice, must stay where they are while the host is silent, and must come
 * back after a reboot. The boot id comes from a file named by KVMOP_BOOT_ID_FILE in the test sshd's
 * environment, so the test can present a reboot.
 */
class HostFaultsE2E {
  static final int GUESTS = 20;
  static final Duration OUTAGE = Duration.ofSeconds(30);

  @TempDir static Path tmp;
  static E2EEnvironment env;
  static Path bootIdFile;

  @BeforeAll
  static void start() throws Exception {
    bootIdFile = tmp.resolve("boot_id");
    Files.writeString(bootIdFile, UUID.randomUUID() + "\n");
    env = new E2EEnvironment(tmp, List.of("SetEnv KVMOP_BOOT_ID_FILE=" + bootIdFile));
    KvmHost host = env.host("node", env.sshd.hostKeyLine(), 0);
    host.getSpec().probeIntervalSeconds = 2;
    env.client.resource(host).create();
    env.startOperator();
    KvmHost ready = env.awaitHost("node", HostPhase.Ready);
    assertThat(ready.getStatus().facts.bootId)
        .as("the boot id comes from KVMOP_BOOT_ID_FILE")
        .isEqualTo(bootId());
  }

  @AfterAll
  static void stop() {
    if (env != null) {
      env.close();
    }
  }

  @Test
  void guestsSurviveDroppedConnectionsAnOutageAndARebootWithoutDoubleLaunches() throws Exception {
    // 1. The SSH connection drops while launches are in flight.
    for (int i = 1; i <= GUESTS; i++) {
      env.client.resource(guest(name(i)).on("node").build()).create();
    }
    int[] notYetLaunched = new int[1];
    await()
        .atMost(E2EEnvironment.WAIT)
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              List<KvmGuest> guests = env.guestsOf("node");
              Map<String, List<Long>> qemu = QemuProcesses.byUuidBelow(env.guestsDir("node"));
              long withQemu =
                  guests.stream().filter(g -> qemu.containsKey(g.getMetadata().getUid())).count();
              notYetLaunched[0] = guests.size() - (int) withQemu;
              return guests.size() == GUESTS && withQemu > 0 && withQemu < GUESTS;
            });
    int dropped = env.sshd.dropConnections();
    assertThat(dropped).as("sshd connection processes killed").isPositive();
    Map<String, Long> pids = new TreeMap<>();
    for (int i = 1; i <= GUESTS; i++) {
      // Running, not awaitSteady: a guest adopted after the drop stays ProcessRunning=Adopted.
      KvmGuest g = env.awaitGuest(name(i), GuestPhase.Running);
      pids.put(g.getMetadata().getUid(), (long) g.getStatus().pid);
      // Nothing exited: a launch cut off by the drop is not a crash (no backoff, no failure).
      assertThat(g.getStatus().lastExit)
          .as(
              "%s recorded no exit, status:%n%s%noperator log tail:%n%s",
              name(i),
              env.client.getKubernetesSerialization().asYaml(g.getStatus()),
              E2EEnvironment.tail(env.operatorLogs(), 150))
          .isNull();
      assertThat(g.getStatus().restarts).as(name(i)).isZero();
      assertThat(g.getStatus().bootId).isEqualTo(bootId());
    }
    HostAudit afterDrop = HostAudit.of(env, "node");
    int doubleLaunches = afterDrop.duplicateQemu();

    Map<String, List<Long>> launched = QemuProcesses.byUuidBelow(env.guestsDir("node"));
    pids.forEach(
        (uid, pid) ->
            assertThat(launched.get(uid)).as("the one qemu of " + uid).containsExactly(pid));

    // 2. sshd is gone for 30 s: Unreachable and Unknown, nothing relaunched.
    env.sshd.stop();
    Instant outageStart = Instant.now();
    Set<String> relaunchedInOutage = new TreeSet<>();
    boolean[] sawUnknown = new boolean[1];
    await()
        .atMost(OUTAGE.plusSeconds(30))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              Map<String, List<Long>> qemu = QemuProcesses.byUuidBelow(env.guestsDir("node"));
              pids.forEach(
                  (uid, pid) -> {
                    if (!List.of(pid).equals(qemu.get(uid))) {
                      relaunchedInOutage.add(uid);
                    }
                  });
              if (!pids.keySet().containsAll(qemu.keySet())) {
                relaunchedInOutage.add("unexpected qemu " + qemu.keySet());
              }
              List<KvmGuest> guests = env.guestsOf("node");
              guests.stream()
                  .filter(g -> !pids.get(g.getMetadata().getUid()).equals(statusPid(g)))
                  .forEach(g -> relaunchedInOutage.add(g.getMetadata().getUid()));
              sawUnknown[0] |=
                  hostPhase() == HostPhase.Unreachable
                      && guests.stream().allMatch(g -> g.getStatus().phase == GuestPhase.Unknown);
              return !Instant.now().isBefore(outageStart.plus(OUTAGE));
            });
    assertThat(sawUnknown[0])
        .as("host Unreachable and every guest Unknown during the outage")
        .isTrue();
    assertThat(hostPhase()).isEqualTo(HostPhase.Unreachable);
    assertThat(env.guestsOf("node")).allMatch(g -> g.getStatus().phase == GuestPhase.Unknown);

    env.sshd.start();
    env.awaitHost("node", HostPhase.Ready);
    int samePids = 0;
    for (int i = 1; i <= GUESTS; i++) {
      KvmGuest g = env.awaitGuest(name(i), GuestPhase.Running);
      String uid = g.getMetadata().getUid();
      if (pids.get(uid).equals(statusPid(g)) && qemuWithUuid(uid).equals(List.of(pids.get(uid)))) {
        samePids++;
      }
    }

    // 3. The host reboots: down, every qemu gone, back with a new boot id.
    env.sshd.stop();
    env.killLeftoverQemu();
    await()
        .atMost(E2EEnvironment.WAIT)
        .until(() -> QemuProcesses.byUuidBelow(env.guestsDir("node")).isEmpty());
    String oldBoot = bootId();
    Files.writeString(bootIdFile, UUID.randomUUID() + "\n");
    env.sshd.start();
    int relaunchedAfterReboot = 0;
    for (int i = 1; i <= GUESTS; i++) {
      String name = name(i);
      KvmGuest g =
          env.awaitGuest(
              name,
              x ->
                  x.getStatus().phase == GuestPhase.Running
                      && x.getStatus().lastExit != null
                      && x.getStatus().pid != null
                      && bootId().equals(x.getStatus().bootId));
      String uid = g.getMetadata().getUid();
      assertThat(g.getStatus().lastExit.reason).as(name).isEqualTo(ExitReason.HostLost);
      assertThat(g.getStatus().restarts).as(name).isEqualTo(1);
      if (qemuWithUuid(uid).equals(List.of((long) g.getStatus().pid))) {
        relaunchedAfterReboot++;
      }
    }
    assertThat(bootId()).isNotEqualTo(oldBoot);
    HostAudit afterReboot = HostAudit.of(env, "node");

    System.out.printf(
        "host-faults: %d guests, outage %d s, %d relaunched during outage, %d same pids after,"
            + " %d double launches, %d relaunched after reboot"
            + " (connection drop: %d sshd connection processes killed while %d guests had no qemu yet)%n",
        GUESTS,
        OUTAGE.toSeconds(),
        relaunchedInOutage.size(),
        samePids,
        doubleLaunches,
        relaunchedAfterReboot,
        dropped,
        notYetLaunched[0]);
    assertThat(doubleLaunches).isZero();
    assertThat(afterDrop.findings()).as("after the connection drop").isEmpty();
    assertThat(relaunchedInOutage).as("relaunched during the outage").isEmpty();
    assertThat(samePids).isEqualTo(GUESTS);
    assertThat(relaunchedAfterReboot).isEqualTo(GUESTS);
    assertThat(afterReboot.findings()).isEmpty();
  }

  private static String name(int i) {
    return String.format("g-%02d", i);
  }

  private static Long statusPid(KvmGuest g) {
    return g.getStatus() == null || g.getStatus().pid == null ? null : (long) g.getStatus().pid;
  }

  private static HostPhase hostPhase() {
    KvmHost h =
        env.client.resources(KvmHost.class).inNamespace(E2EEnvironment.NS).withName("node").get();
    return h.getStatus() == null ? null : h.getStatus().phase;
  }

  private static String bootId() {
    try {
      return Files.readString(bootIdFile).strip();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
