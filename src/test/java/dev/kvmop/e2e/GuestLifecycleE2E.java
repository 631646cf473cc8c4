package dev.kvmop.e2e;

import static dev.kvmop.testing.E2EEnvironment.condition;
import static dev.kvmop.testing.QemuProcesses.qemuWithUuid;
import static dev.kvmop.testing.TestObjects.guest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvmop.api.Annotations;
import dev.kvmop.api.Conditions;
import dev.kvmop.api.ExitReason;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHost;
import dev.kvmop.api.RunStrategy;
import dev.kvmop.testing.E2EEnvironment;
import dev.kvmop.testing.OperatorProcess;
import dev.kvmop.testing.PoweroffBios;
import dev.kvmop.testing.QemuProcesses;
import io.fabric8.kubernetes.api.model.Event;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each test gets a fresh API, sshd and operator, so no scenario depends on another.
 *
 * <p>Guests end to end: the built operator (separate JVM) launching real qemu (TCG) through real
 * OpenSSH on loopback; the embedded CRUD API stands in for the Kubernetes API server.
 */
class GuestLifecycleE2E {
  @TempDir Path tmp;
  static E2EEnvironment env;
  static OperatorProcess operator;

  @BeforeEach
  void start() {
    env = new E2EEnvironment(tmp);
    operator = env.startOperatorWithHost("node", 8);
  }

  @AfterEach
  void stop() {
    if (env != null) {
      env.close();
    }
  }

  @Test
  void appliedGuestRunsAsQemuCarryingItsIdentity() {
    env.client.resource(guest("ident").on("node").networked().build()).create();

    KvmGuest g = env.awaitGuest("ident", GuestPhase.Running);
    String uid = g.getMetadata().getUid();
    assertThat(g.getStatus().ip).startsWith("10.77.0.");
    assertThat(g.getStatus().mac).startsWith("52:54:00:10:00:");
    assertThat(g.getStatus().qemuArgv)
        .containsSequence("-uuid", uid)
        .containsSequence("-name", "guest=default/ident");
    assertThat(qemuWithUuid(uid)).containsExactly((long) g.getStatus().pid);
    assertThat(QemuProcesses.isQemu(g.getStatus().pid)).isTrue();
    assertThat(condition(g.getStatus().conditions, Conditions.READY).getStatus()).isEqualTo("True");
  }

  @Test
  void killedQemuIsRelaunchedUnderAlwaysWithBackoff() {
    env.client.resource(guest("always").on("node").build()).create();
    KvmGuest first = env.awaitGuest("always", GuestPhase.Running);
    int pid = first.getStatus().pid;

    ProcessHandle.of(pid).orElseThrow().destroyForcibly();

    KvmGuest exited = env.awaitGuest("always", g -> g.getStatus().lastExit != null);
    assertThat(exited.getStatus().lastExit.reason).isEqualTo(ExitReason.Crashed);
    KvmGuest again =
        env.awaitGuest(
            "always",
            g ->
                g.getStatus().phase == GuestPhase.Running
                    && g.getStatus().pid != null
                    && g.getStatus().pid != pid);
    assertThat(again.getStatus().restarts).isEqualTo(1);
    assertThat(qemuWithUuid(again.getMetadata().getUid())).hasSize(1);
  }

  @Test
  void crashUnderManualIsFailedAndNotRelaunched() {
    KvmGuest spec = guest("manual").on("node").build();
    spec.getSpec().runStrategy = RunStrategy.Manual;
    env.client.resource(spec).create();
    KvmGuest g = env.awaitGuest("manual", GuestPhase.Running);

    ProcessHandle.of(g.getStatus().pid).orElseThrow().destroyForcibly();

    KvmGuest failed = env.awaitGuest("manual", GuestPhase.Failed);
    assertThat(failed.getStatus().lastExit.reason).isEqualTo(ExitReason.Crashed);
    assertThat(failed.getStatus().pid).isNull();
    assertThat(qemuWithUuid(g.getMetadata().getUid())).isEmpty();
  }

  @Test
  void guestInitiatedShutdownUnderRerunOnFailureSucceeds() throws Exception {
    Path bios = tmp.resolve("poweroff-slow.bin");
    Files.write(bios, PoweroffBios.image(true));
    KvmGuest spec = guest("poweroff").on("node").build();
    spec.getSpec().machine = "pc";
    spec.getSpec().runStrategy = RunStrategy.RerunOnFailure;
    spec.getSpec().extraArgs = new ArrayList<>(List.of("-bios", bios.toString(), "-vga", "none"));
    env.client.resource(spec).create();

    KvmGuest done = env.awaitGuest("poweroff", GuestPhase.Succeeded);
    assertThat(done.getStatus().lastExit.reason).isEqualTo(ExitReason.Shutdown);
    assertThat(done.getStatus().restarts).isZero();
    assertThat(qemuWithUuid(done.getMetadata().getUid())).isEmpty();
  }

  @Test
  void resetKeepsThePidAndRestartReplacesIt() {
    env.client.resource(guest("actions").on("node").build()).create();
    int pid = env.awaitGuest("actions", GuestPhase.Running).getStatus().pid;

    annotate("actions", Annotations.RESET, "r1");
    KvmGuest reset =
        env.awaitGuest(
            "actions",
            g -> g.getStatus().actions != null && "r1".equals(g.getStatus().actions.reset));
    assertThat(reset.getStatus().pid).isEqualTo(pid);
    assertThat(reset.getStatus().phase).isEqualTo(GuestPhase.Running);
    await().atMost(E2EEnvironment.WAIT).until(() -> reasons("actions").contains("Reset"));

    annotate("actions", Annotations.RESTART, "s1");
    KvmGuest restarted =
        env.awaitGuest(
            "actions",
            g ->
                g.getStatus().actions != null
                    && "s1".equals(g.getStatus().actions.restart)
                    && g.getStatus().phase == GuestPhase.Running);
    assertThat(restarted.getStatus().pid).isNotEqualTo(pid);
    // Not isAlive(): the old qemu may linger as a zombie where PID 1 does not reap.
    assertThat(QemuProcesses.isQemu(pid)).as("old qemu gone").isFalse();
    assertThat(qemuWithUuid(restarted.getMetadata().getUid()))
        .containsExactly((long) restarted.getStatus().pid);
    await().atMost(E2EEnvironment.WAIT).until(() -> reasons("actions").contains("Restarted"));
  }

  @Test
  void poolOfThreeServesThreeAndTheFourthGetsTheFreedAddress() {
    env.client.resource(env.host("small", env.sshd.hostKeyLine(), 3)).create();
    env.awaitHost("small", HostPhase.Ready);
    for (int i = 1; i <= 4; i++) {
      env.client.resource(guest("p" + i).on("small").networked().build()).create();
    }
    await()
        .atMost(E2EEnvironment.WAIT)
        .until(() -> count("p", GuestPhase.Running) == 3 && count("p", GuestPhase.Pending) == 1);
    List<KvmGuest> guests = guests("p");
    assertThat(
            guests.stream()
                .filter(g -> g.getStatus().ip != null)
                .map(g -> g.getStatus().ip)
                .distinct())
        .hasSize(3);
    assertThat(
            guests.stream()
                .filter(g -> g.getStatus().mac != null)
                .map(g -> g.getStatus().mac)
                .distinct())
        .hasSize(3);
    KvmGuest waiting =
        guests.stream()
            .filter(g -> g.getStatus().phase == GuestPhase.Pending)
            .findFirst()
            .orElseThrow();
    assertThat(condition(waiting.getStatus().conditions, Conditions.ADDRESS_ASSIGNED).getReason())
        .isEqualTo("PoolExhausted");

    KvmGuest victim =
        guests.stream()
            .filter(g -> g.getStatus().phase == GuestPhase.Running)
            .findFirst()
            .orElseThrow();
    // Delete once the host reports the pool full.
    await()
        .atMost(E2EEnvironment.WAIT)
        .until(
            () -> {
              KvmHost small =
                  env.client
                      .resources(KvmHost.class)
                      .inNamespace(E2EEnvironment.NS)
                      .withName("small")
                      .get();
              return small.getStatus() != null
                  && small.getStatus().pool != null
                  && "3/3".equals(small.getStatus().pool.summary);
            });
    env.awaitSteady(victim.getMetadata().getName());
    env.client.resource(victim).delete();
    env.awaitGone(victim.getMetadata().getName());

    KvmGuest fourth = env.awaitGuest(waiting.getMetadata().getName(), GuestPhase.Running);
    assertThat(fourth.getStatus().ip).isEqualTo(victim.getStatus().ip);
    assertThat(fourth.getStatus().mac).isEqualTo(victim.getStatus().mac);
  }

  @Test
  void deleteStopsQemuRemovesItsDirectoryAndFreesTheAddress() {
    env.client.resource(guest("bye").on("node").networked().build()).create();
    KvmGuest g = env.awaitSteady("bye");
    Path dir = guestDir(g);
    assertThat(dir).isDirectory();

    env.client.resource(g).delete();
    env.awaitGone("bye");

    assertThat(qemuWithUuid(g.getMetadata().getUid())).isEmpty();
    assertThat(dir).doesNotExist();
    await()
        .atMost(E2EEnvironment.WAIT)
        .until(
            () ->
                env.guestsOn("node").stream()
                    .noneMatch(
                        x -> x.getStatus() != null && g.getStatus().ip.equals(x.getStatus().ip)));
  }

  /**
   * A merge patch of one annotation: no resourceVersion, so it cannot lose a race with the
   * operator's status write that follows Running (a read-modify-write edit got 409 Conflict).
   */
  private static void annotate(String name, String key, String value) {
    env.client
        .resources(KvmGuest.class)
        .inNamespace(E2EEnvironment.NS)
        .withName(name)
        .patch(
            io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
            "{\"metadata\":{\"annotations\":{\"" + key + "\":\"" + value + "\"}}}");
  }

  private static List<String> reasons(String name) {
    return env.events(name).stream().map(Event::getReason).toList();
  }

  private static List<KvmGuest> guests(String prefix) {
    return env.guestsNamed(prefix).stream()
        .filter(g -> g.getMetadata().getName().matches(prefix + "[0-9]+"))
        .filter(g -> g.getStatus() != null)
        .toList();
  }

  private static long count(String prefix, GuestPhase phase) {
    return guests(prefix).stream().filter(g -> g.getStatus().phase == phase).count();
  }

  private static Path guestDir(KvmGuest g) {
    KvmHost host =
        env.client
            .resources(KvmHost.class)
            .inNamespace(E2EEnvironment.NS)
            .withName(g.getSpec().hostRef.name)
            .get();
    return Path.of(
        host.getSpec().workDir,
        "guests",
        g.getMetadata().getNamespace()
            + "_"
            + g.getMetadata().getName()
            + "_"
            + g.getMetadata().getUid());
  }
}
