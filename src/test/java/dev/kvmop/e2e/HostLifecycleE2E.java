package dev.kvmop.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvmop.api.Conditions;
import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmHost;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.api.ObjectRef;
import dev.kvmop.local.LocalApiServer;
import dev.kvmop.testing.OpenSshServer;
import dev.kvmop.testing.OperatorProcess;
import dev.kvmop.testing.SecretHygiene;
import dev.kvmop.testing.SshKeys;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built operator (separate JVM) against real OpenSSH sshd on loopback, with the embedded CRUD
 * API standing in for a Kubernetes API server (none can run on these machines).
 */
class HostLifecycleE2E {
  static final String NS = "default";
  static final Duration WAIT = Duration.ofSeconds(45);

  @TempDir static Path tmp;
  static OpenSshServer sshd;
  static LocalApiServer api;
  static KubernetesClient client;
  static OperatorProcess operator;
  static SshKeys.KeyText clientKey;
  static volatile SshKeys.KeyText rotatedKey;

  @BeforeAll
  static void start() throws Exception {
    clientKey = SshKeys.generate("ed25519");
    sshd = new OpenSshServer().authorize(clientKey.publicKeyLine()).start();
    api = LocalApiServer.start(0);
    api.installBundledCrds();
    client = api.client();
    Path kubeconfig = tmp.resolve("kubeconfig");
    api.writeKubeconfig(kubeconfig);
    secret("node-ssh", clientKey.privateKey());
    operator = new OperatorProcess(kubeconfig, tmp.resolve("operator.log"), List.of()).start();
  }

  @AfterAll
  static void stop() {
    SecretHygiene.Report report = null;
    if (operator != null) {
      operator.stop();
      report =
          new SecretHygiene()
              .privateKey(clientKey.privateKey())
              .privateKey(rotatedKey == null ? "" : rotatedKey.privateKey())
              .check(client, operator.log());
      System.out.println(report.line());
    }
    if (api != null) {
      api.close();
    }
    if (sshd != null) {
      sshd.close();
    }
    if (report != null) {
      assertThat(report.hits()).isEmpty();
    }
  }

  @Test
  void hostBecomesReadyOverOpenSsh() {
    client.resource(host("ready", sshd.hostKeyLine())).create();

    KvmHost h = awaitPhase("ready", HostPhase.Ready);
    assertThat(h.getStatus().observedHostKey).isEqualTo(sshd.hostKeyFingerprint());
    assertThat(h.getStatus().facts.qemuVersion).startsWith("QEMU emulator version");
    assertThat(h.getStatus().facts.bootId).isNotBlank();
    assertThat(Files.isDirectory(sshd.dir().resolve("work-ready/guests"))).isTrue();
    assertThat(operator.metricSum("kvmop_host_up", "host=\"ready\"")).isEqualTo(1.0);
  }

  @Test
  void hostKeyMismatchIsRefusedWithAnEvent() {
    String otherKey = SshKeys.generate("ed25519").publicKeyLine();
    client.resource(host("mismatch", otherKey)).create();

    KvmHost h = awaitPhase("mismatch", HostPhase.Failed);
    Condition verified = condition(h, Conditions.HOST_KEY_VERIFIED);
    assertThat(verified.getStatus()).isEqualTo("False");
    assertThat(verified.getReason()).isEqualTo("HostKeyMismatch");
    assertThat(h.getStatus().facts).isNull();
    await().atMost(WAIT).until(() -> eventReasons("mismatch").contains("HostKeyMismatch"));
  }

  @Test
  void unreachableWhileSshdIsDownThenReadyAgain() {
    client.resource(host("flaky", sshd.hostKeyLine())).create();
    awaitPhase("flaky", HostPhase.Ready);

    sshd.stop();
    KvmHost down = awaitPhase("flaky", HostPhase.Unreachable);
    assertThat(condition(down, Conditions.REACHABLE).getStatus()).isEqualTo("False");

    sshd.start();
    awaitPhase("flaky", HostPhase.Ready);
  }

  @Test
  void rotatedSecretIsUsedForANewConnection() throws Exception {
    secret("rotate-ssh", clientKey.privateKey());
    KvmHost h = host("rotate", sshd.hostKeyLine());
    h.getSpec().credentialsSecretRef = new ObjectRef("rotate-ssh");
    client.resource(h).create();
    awaitPhase("rotate", HostPhase.Ready);

    SshKeys.KeyText next = SshKeys.generate("ecdsa");
    rotatedKey = next;
    secret("rotate-ssh", next.privateKey());
    KvmHost refused = awaitPhase("rotate", HostPhase.Failed);
    assertThat(condition(refused, Conditions.REACHABLE).getReason())
        .isEqualTo("AuthenticationFailed");

    sshd.authorize(next.publicKeyLine());
    awaitPhase("rotate", HostPhase.Ready);
  }

  private static KvmHost awaitPhase(String name, HostPhase phase) {
    return await()
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> client.resources(KvmHost.class).inNamespace(NS).withName(name).get(),
            h -> h != null && h.getStatus() != null && h.getStatus().phase == phase);
  }

  private static Condition condition(KvmHost h, String type) {
    return h.getStatus().conditions.stream()
        .filter(c -> c.getType().equals(type))
        .findFirst()
        .orElseThrow();
  }

  private static List<String> eventReasons(String name) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .map(Event::getReason)
        .toList();
  }

  private static void secret(String name, String privateKey) {
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NS)
                .endMetadata()
                .withData(
                    Map.of(
                        "ssh-privatekey",
                        Base64.getEncoder()
                            .encodeToString(privateKey.getBytes(StandardCharsets.UTF_8))))
                .build())
        .createOr(op -> op.update());
  }

  private static KvmHost host(String name, String hostKey) {
    KvmHost h = new KvmHost();
    h.getMetadata().setName(name);
    h.getMetadata().setNamespace(NS);
    KvmHostSpec spec = new KvmHostSpec();
    spec.address = "127.0.0.1";
    spec.port = sshd.port();
    spec.user = System.getProperty("user.name");
    spec.credentialsSecretRef = new ObjectRef("node-ssh");
    spec.hostKey = hostKey;
    spec.workDir = sshd.dir().resolve("work-" + name).toString();
    spec.probeIntervalSeconds = 1;
    spec.kvm.requireHardwareVirtualization = false;
    h.setSpec(spec);
    return h;
  }
}
