package dev.kvmop.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kvmop.api.Conditions;
import dev.kvmop.api.HostKeyPolicy;
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
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built operator against real OpenSSH whose host key is replaced under it (a re-imaged host, or
 * a man in the middle): with the key pinned in the spec, and with trust on first use, the new key
 * is refused probe after probe, never trusted, and reported with a Warning Event.
 */
class HostKeyE2E {
  static final String NS = "default";
  static final Duration WAIT = Duration.ofSeconds(45);
  static final int REFUSED_PROBES = 5;
  static final String PASSPHRASE = "hostkey e2e 5b1d passphrase";

  @TempDir static Path tmp;
  static LocalApiServer api;
  static KubernetesClient client;
  static OperatorProcess operator;
  static SshKeys.KeyText clientKey;
  static final List<OpenSshServer> servers = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(OpenSshServer.available(), "no /usr/sbin/sshd");
    clientKey = SshKeys.generate("ed25519", PASSPHRASE, false);
    api = LocalApiServer.start(0);
    api.installBundledCrds();
    client = api.client();
    Path kubeconfig = tmp.resolve("kubeconfig");
    api.writeKubeconfig(kubeconfig);
    secret("node-ssh", clientKey.privateKey(), PASSPHRASE);
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
              .passphrase(PASSPHRASE)
              .check(client, operator.log());
      System.out.println(report.line());
    }
    if (api != null) {
      api.close();
    }
    servers.forEach(OpenSshServer::close);
    if (report != null) {
      assertThat(report.hits()).isEmpty();
    }
  }

  @Test
  void replacedKeyIsRefusedWhenPinned() {
    OpenSshServer sshd = sshd();
    KvmHost h = host("pinned", sshd);
    h.getSpec().hostKeyPolicy = HostKeyPolicy.Pinned;
    h.getSpec().hostKey = sshd.hostKeyLine();
    client.resource(h).create();
    String original = awaitPhase("pinned", HostPhase.Ready).getStatus().observedHostKey;
    assertThat(original).isEqualTo(sshd.hostKeyFingerprint());

    assertRefusedOverProbes("pinned", sshd, original);
  }

  @Test
  void replacedKeyIsNotReTrustedOnFirstUse() {
    OpenSshServer sshd = sshd();
    KvmHost h = host("tofu", sshd);
    h.getSpec().hostKeyPolicy = HostKeyPolicy.TrustOnFirstUse;
    h.getSpec().hostKey = null;
    client.resource(h).create();
    KvmHost ready = awaitPhase("tofu", HostPhase.Ready);
    String first = ready.getStatus().observedHostKey;
    assertThat(first).isEqualTo(sshd.hostKeyFingerprint());
    assertThat(condition(ready, Conditions.HOST_KEY_VERIFIED).getStatus()).isEqualTo("True");

    assertRefusedOverProbes("tofu", sshd, first);
  }

  /**
   * Replaces the host key (sshd restarts, connections drop), then: Failed with
   * HostKeyVerified=False/HostKeyMismatch and a Warning Event, and until {@value #REFUSED_PROBES}
   * connect attempts with the new key have been refused (counted by the operator's own
   * kvmop_ssh_connects_total) the host never leaves Failed, never connects, and never records the
   * new key.
   */
  private static void assertRefusedOverProbes(String name, OpenSshServer sshd, String trusted) {
    String hostLabel = "host=\"" + NS + "/" + name + "\"";
    double mismatches0 =
        operator.metricSum("kvmop_ssh_connects_total", hostLabel, "result=\"HostKeyMismatch\"");
    sshd.replaceHostKey();
    String presented = sshd.hostKeyFingerprint();
    assertThat(presented).isNotEqualTo(trusted);
    KvmHost failed = awaitPhase(name, HostPhase.Failed);
    Condition verified = condition(failed, Conditions.HOST_KEY_VERIFIED);
    assertThat(verified.getStatus()).isEqualTo("False");
    assertThat(verified.getReason()).isEqualTo("HostKeyMismatch");
    assertThat(verified.getMessage()).contains(presented);
    // From here on nothing may connect (the old sshd could have been reached until it stopped).
    double successes0 =
        operator.metricSum("kvmop_ssh_connects_total", hostLabel, "result=\"success\"");

    List<String> violations = new ArrayList<>();
    int[] polls = {0};
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              polls[0]++;
              KvmHost h = client.resources(KvmHost.class).inNamespace(NS).withName(name).get();
              if (h.getStatus().phase != HostPhase.Failed) {
                violations.add("phase " + h.getStatus().phase);
              }
              if (!trusted.equals(h.getStatus().observedHostKey)) {
                violations.add("observedHostKey " + h.getStatus().observedHostKey);
              }
              if (!"False".equals(condition(h, Conditions.HOST_KEY_VERIFIED).getStatus())) {
                violations.add("HostKeyVerified " + condition(h, Conditions.HOST_KEY_VERIFIED));
              }
              return operator.metricSum(
                      "kvmop_ssh_connects_total", hostLabel, "result=\"HostKeyMismatch\"")
                  >= mismatches0 + REFUSED_PROBES;
            });
    double refused =
        operator.metricSum("kvmop_ssh_connects_total", hostLabel, "result=\"HostKeyMismatch\"");
    double successes =
        operator.metricSum("kvmop_ssh_connects_total", hostLabel, "result=\"success\"");
    System.out.println(
        "host-key: "
            + name
            + " refused "
            + (long) (refused - mismatches0)
            + " connects with the new key (watched over "
            + polls[0]
            + " status reads), "
            + violations.size()
            + " violations, "
            + (long) (successes - successes0)
            + " successful connects");
    assertThat(violations).isEmpty();
    assertThat(successes).isEqualTo(successes0);
    KvmHost last = client.resources(KvmHost.class).inNamespace(NS).withName(name).get();
    assertThat(last.getStatus().observedHostKey).isEqualTo(trusted).isNotEqualTo(presented);
    assertThat(last.getStatus().facts == null || last.getStatus().phase == HostPhase.Failed)
        .isTrue();
    await()
        .atMost(WAIT)
        .until(
            () ->
                events(name).stream()
                    .anyMatch(
                        e ->
                            "HostKeyMismatch".equals(e.getReason())
                                && "Warning".equals(e.getType())));
  }

  private static OpenSshServer sshd() {
    OpenSshServer s = new OpenSshServer().authorize(clientKey.publicKeyLine()).start();
    servers.add(s);
    return s;
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

  private static List<Event> events(String name) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  private static void secret(String name, String privateKey, String passphrase) {
    Map<String, String> data = new HashMap<>();
    data.put("ssh-privatekey", b64(privateKey));
    data.put("passphrase", b64(passphrase));
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NS)
                .endMetadata()
                .withData(data)
                .build())
        .createOr(op -> op.update());
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static KvmHost host(String name, OpenSshServer sshd) {
    KvmHost h = new KvmHost();
    h.getMetadata().setName(name);
    h.getMetadata().setNamespace(NS);
    KvmHostSpec spec = new KvmHostSpec();
    spec.address = "127.0.0.1";
    spec.port = sshd.port();
    spec.user = System.getProperty("user.name");
    spec.credentialsSecretRef = new ObjectRef("node-ssh");
    spec.workDir = sshd.dir().resolve("work-" + name).toString();
    spec.probeIntervalSeconds = 1;
    spec.kvm.requireHardwareVirtualization = false;
    h.setSpec(spec);
    return h;
  }
}
