package dev.kvmop.e2e;

import static dev.kvmop.testing.E2EEnvironment.condition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvmop.api.Conditions;
import dev.kvmop.api.HostPhase;
import dev.kvmop.api.HostReasons;
import dev.kvmop.api.KvmHost;
import dev.kvmop.testing.E2EEnvironment;
import dev.kvmop.testing.OpenSshServer;
import dev.kvmop.testing.OperatorProcess;
import dev.kvmop.testing.SecretHygiene;
import dev.kvmop.testing.SshKeys;
import dev.kvmop.testing.TestObjects;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built operator (separate JVM) against real OpenSSH sshd on loopback, with the embedded CRUD
 * API standing in for a Kubernetes API server (none can run on these machines).
 */
class HostLifecycleE2E {
  @TempDir static Path tmp;
  static E2EEnvironment env;
  static OpenSshServer sshd;
  static OperatorProcess operator;
  static volatile SshKeys.KeyText rotatedKey;

  @BeforeAll
  static void start() {
    env = new E2EEnvironment(tmp);
    sshd = env.sshd;
    operator = env.startOperator();
  }

  @AfterAll
  static void stop() {
    if (env != null) {
      SecretHygiene rotated =
          new SecretHygiene().privateKey(rotatedKey == null ? "" : rotatedKey.privateKey());
      assertThat(env.closeCheckingSecrets(rotated).hits()).isEmpty();
    }
  }

  @Test
  void hostBecomesReadyOverOpenSsh() {
    env.client.resource(host("ready", sshd.hostKeyLine()).build()).create();

    KvmHost h = env.awaitHost("ready", HostPhase.Ready);
    assertThat(h.getStatus().observedHostKey).isEqualTo(sshd.hostKeyFingerprint());
    assertThat(h.getStatus().facts.qemuVersion).startsWith("QEMU emulator version");
    assertThat(h.getStatus().facts.bootId).isNotBlank();
    assertThat(Files.isDirectory(env.workRoot.resolve("ready/guests"))).isTrue();
    assertThat(operator.metricSum("kvmop_host_up", "host=\"ready\"")).isEqualTo(1.0);
  }

  @Test
  void hostKeyMismatchIsRefusedWithAnEvent() {
    String otherKey = SshKeys.generate("ed25519").publicKeyLine();
    env.client.resource(host("mismatch", otherKey).build()).create();

    KvmHost h = env.awaitHost("mismatch", HostPhase.Failed);
    Condition verified = condition(h.getStatus().conditions, Conditions.HOST_KEY_VERIFIED);
    assertThat(verified.getStatus()).isEqualTo("False");
    assertThat(verified.getReason()).isEqualTo("HostKeyMismatch");
    assertThat(h.getStatus().facts).isNull();
    await()
        .atMost(E2EEnvironment.WAIT)
        .until(() -> eventReasons("mismatch").contains("HostKeyMismatch"));
  }

  @Test
  void unreachableWhileSshdIsDownThenReadyAgain() {
    env.client.resource(host("flaky", sshd.hostKeyLine()).build()).create();
    env.awaitHost("flaky", HostPhase.Ready);

    sshd.stop();
    KvmHost down = env.awaitHost("flaky", HostPhase.Unreachable);
    assertThat(condition(down.getStatus().conditions, Conditions.REACHABLE).getStatus())
        .isEqualTo("False");

    sshd.start();
    env.awaitHost("flaky", HostPhase.Ready);
  }

  /** Two KvmHosts for one machine with one workDir: the second is told why and touches nothing. */
  @Test
  void aSecondKvmHostOnAClaimedWorkDirIsFailedWorkDirClaimed() throws Exception {
    env.client.resource(host("owner", sshd.hostKeyLine()).build()).create();
    KvmHost owner = env.awaitHost("owner", HostPhase.Ready);
    Path workDir = env.workRoot.resolve("owner");
    String marker = Files.readString(workDir.resolve(".kvmop-owner"));

    env.client
        .resource(host("second", sshd.hostKeyLine()).workDir(workDir.toString()).build())
        .create();
    KvmHost second = env.awaitHost("second", HostPhase.Failed);
    Condition ready = condition(second.getStatus().conditions, Conditions.READY);
    assertThat(ready.getReason()).isEqualTo(HostReasons.WORK_DIR_CLAIMED);
    assertThat(ready.getMessage())
        .contains(workDir + " belongs to another KvmHost (uid " + owner.getMetadata().getUid())
        .contains("give this KvmHost its own spec.workDir");
    assertThat(condition(second.getStatus().conditions, Conditions.REACHABLE).getStatus())
        .isEqualTo("True");
    await()
        .atMost(E2EEnvironment.WAIT)
        .until(() -> eventReasons("second").contains(HostReasons.WORK_DIR_CLAIMED));

    env.client.resource(second).delete();
    await().atMost(E2EEnvironment.WAIT).until(() -> env.getHost("second") == null);
    assertThat(Files.readString(workDir.resolve(".kvmop-owner"))).isEqualTo(marker);
    assertThat(workDir.resolve("guests")).isDirectory();
    assertThat(workDir.resolve("net/config")).as("the owner's network state").isRegularFile();
    assertThat(env.getHost("owner").getStatus().phase).isEqualTo(HostPhase.Ready);
  }

  @Test
  void rotatedSecretIsUsedForANewConnection() throws Exception {
    env.secret("rotate-ssh", env.clientKey.privateKey());
    env.client.resource(host("rotate", sshd.hostKeyLine()).secret("rotate-ssh").build()).create();
    env.awaitHost("rotate", HostPhase.Ready);

    SshKeys.KeyText next = SshKeys.generate("ecdsa");
    rotatedKey = next;
    env.secret("rotate-ssh", next.privateKey());
    KvmHost refused = env.awaitHost("rotate", HostPhase.Failed);
    assertThat(condition(refused.getStatus().conditions, Conditions.REACHABLE).getReason())
        .isEqualTo("AuthenticationFailed");

    sshd.authorize(next.publicKeyLine());
    env.awaitHost("rotate", HostPhase.Ready);
  }

  /** A host on the environment's sshd with an empty pool (these tests run no guests). */
  private static TestObjects.HostBuilder host(String name, String hostKey) {
    return TestObjects.host(name)
        .at("127.0.0.1", sshd.port())
        .hostKey(hostKey)
        .workDir(env.workRoot.resolve(name).toString())
        .probeEvery(1)
        .spec(s -> s.user = System.getProperty("user.name"));
  }

  private static List<String> eventReasons(String name) {
    return env.events(name).stream().map(Event::getReason).toList();
  }
}
