package dev.kvmop.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvmop.api.KvmHost;
import dev.kvmop.testing.Kubectl;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the real kubectl against {@link LocalApiServer}. Needs kubectl on PATH. */
class LocalApiServerKubectlIT {
  @TempDir static Path dir;
  static LocalApiServer server;
  static Path kubeconfig;

  @BeforeAll
  static void start() throws Exception {
    Kubectl.requireInstalled();
    server = LocalApiServer.start(0);
    server.installBundledCrds();
    kubeconfig = dir.resolve("kubeconfig");
    server.writeKubeconfig(kubeconfig);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  static Kubectl.Result kubectl(String... args) throws Exception {
    return new Kubectl(kubeconfig).run(args);
  }

  static String ok(String... args) throws Exception {
    return new Kubectl(kubeconfig).ok(args);
  }

  static final String MANIFEST =
      """
      apiVersion: v1
      kind: Secret
      metadata:
        name: x-ssh
      stringData:
        id_ed25519: not-a-key
      ---
      apiVersion: kvmop.dev/v1alpha1
      kind: KvmHost
      metadata:
        name: x
      spec:
        address: %s
        credentialsSecretRef:
          name: x-ssh
      ---
      apiVersion: kvmop.dev/v1alpha1
      kind: KvmGuest
      metadata:
        name: g1
      spec:
        hostRef:
          name: x
      """;

  @Test
  void kubectlWorkflow() throws Exception {
    assertThat(ok("get", "kvm")).isEmpty(); // "No resources found" goes to stderr

    Path m = dir.resolve("x.yaml");
    Files.writeString(m, MANIFEST.formatted("10.0.0.5"));
    String applied = ok("apply", "-f", m.toString());
    assertThat(applied).contains("secret/x-ssh created", "kvmhost.kvmop.dev/x created");
    // (a Secret with stringData reports "configured" every time, as on a real API server)
    assertThat(ok("apply", "-f", m.toString()))
        .contains("kvmhost.kvmop.dev/x unchanged", "kvmguest.kvmop.dev/g1 unchanged");

    String yaml = ok("get", "kh", "x", "-o", "yaml");
    assertThat(yaml).contains("kind: KvmHost", "address: 10.0.0.5", "namespace: default");
    assertThat(ok("get", "secret", "x-ssh", "-o", "jsonpath={.data.id_ed25519}"))
        .isEqualTo("bm90LWEta2V5"); // base64("not-a-key")

    Files.writeString(m, MANIFEST.formatted("10.0.0.6"));
    assertThat(ok("apply", "-f", m.toString())).contains("kvmhost.kvmop.dev/x configured");
    assertThat(ok("get", "kh", "x", "-o", "jsonpath={.spec.address}")).isEqualTo("10.0.0.6");

    String hosts = ok("get", "kh");
    assertThat(hosts.lines().findFirst().orElseThrow())
        .contains("NAME", "ADDRESS", "READY", "PHASE", "AGE");
    assertThat(hosts).contains("x").contains("10.0.0.6");

    String all = ok("get", "kvm");
    assertThat(all).contains("kvmhost.kvmop.dev/x", "kvmguest.kvmop.dev/g1");

    String wide = ok("get", "kg", "-o", "wide");
    assertThat(wide.lines().findFirst().orElseThrow()).contains("HOST", "MAC", "PID");
    assertThat(ok("get", "kg")).doesNotContain("MAC");

    assertThat(ok("describe", "kh", "x")).contains("Name:", "x", "Address:", "10.0.0.6");

    // status written by the operator (here: the client) shows up in the columns
    var client = server.client();
    markReady(client, "x");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(ok("get", "kh", "x").lines().skip(1).findFirst().orElseThrow())
                    .contains("True"));
    assertThat(ok("wait", "--for=condition=Ready", "kh/x", "--timeout=20s"))
        .contains("condition met");

    assertThat(ok("delete", "kh", "x")).contains("deleted");
    assertThat(client.resources(KvmHost.class).withName("x").get()).isNull();
    assertThat(kubectl("get", "kh", "x").exit()).isNotZero();
  }

  @Test
  void waitSeesAConditionThatAppearsLater() throws Exception {
    var client = server.client();
    KvmHost h = new KvmHost();
    h.getMetadata().setName("later");
    h.setSpec(new dev.kvmop.api.KvmHostSpec());
    h.getSpec().address = "10.0.0.9";
    client.resource(h).create();
    Process wait =
        new ProcessBuilder(
                "kubectl",
                "--kubeconfig",
                kubeconfig.toString(),
                "wait",
                "--for=condition=Ready",
                "kh/later",
                "--timeout=30s")
            .redirectErrorStream(true)
            .start();
    // the wait is running (watching) before the condition is set
    assertThat(wait.waitFor(2, TimeUnit.SECONDS)).isFalse();
    markReady(client, "later");
    assertThat(wait.waitFor(25, TimeUnit.SECONDS)).isTrue();
    String out = new String(wait.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(wait.exitValue()).as(out).isZero();
    assertThat(out).contains("condition met");
  }

  /** kubectl delete waits (by watch) until the last finalizer is removed and the object is gone. */
  @Test
  void deleteWaitsForFinalizersAndReturnsWhenTheObjectIsGone() throws Exception {
    var hosts = server.client().resources(KvmHost.class).inNamespace("default");
    KvmHost h = new KvmHost();
    h.getMetadata().setName("held");
    h.getMetadata().setFinalizers(java.util.List.of("test.kvmop.dev/hold"));
    h.setSpec(new dev.kvmop.api.KvmHostSpec());
    hosts.resource(h).create();
    Process delete =
        new ProcessBuilder(new Kubectl(kubeconfig).command("delete", "kh", "held", "--timeout=30s"))
            .redirectErrorStream(true)
            .start();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> hosts.withName("held").get().getMetadata().getDeletionTimestamp() != null);
    assertThat(delete.isAlive()).as("kubectl waits while the finalizer holds the object").isTrue();
    hosts
        .withName("held")
        .edit(
            x -> {
              x.getMetadata().setFinalizers(java.util.List.of());
              return x;
            });
    assertThat(delete.waitFor(25, TimeUnit.SECONDS)).isTrue();
    String out = new String(delete.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(delete.exitValue()).as(out).isZero();
    assertThat(hosts.withName("held").get()).isNull();
  }

  /** Writes a status with condition Ready=True on host {@code name}, as the operator would. */
  private static void markReady(KubernetesClient client, String name) {
    KvmHost h = client.resources(KvmHost.class).withName(name).get();
    h.setStatus(new dev.kvmop.api.KvmHostStatus());
    h.getStatus()
        .conditions
        .add(
            new ConditionBuilder()
                .withType("Ready")
                .withStatus("True")
                .withReason("Probed")
                .withMessage("ok")
                .withLastTransitionTime("2026-01-01T00:00:00Z")
                .build());
    client.resource(h).updateStatus();
  }
}
