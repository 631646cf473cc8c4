package dev.kvmop.controller.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvmop.api.AddressEntry;
import dev.kvmop.api.Conditions;
import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmHost;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.api.ObjectRef;
import dev.kvmop.controller.StatusConditions;
import dev.kvmop.host.HostException;
import dev.kvmop.testing.CrudApi;
import dev.kvmop.testing.FakeHostAgents;
import dev.kvmop.testing.Reconcilers;
import dev.kvmop.testing.TestObjects;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The host reconciler against the fabric8 CRUD API with fake hosts. */
@EnableKubernetesMockClient(crud = true)
class KvmHostReconcilerTest {
  KubernetesClient client;
  FakeHostAgents hosts = new FakeHostAgents();
  Reconcilers operator;

  @BeforeEach
  void start() throws Exception {
    CrudApi.installCrds(client);
    operator = Reconcilers.hosts(client, hosts).start();
  }

  @AfterEach
  void stop() {
    operator.close();
  }

  @Test
  void reachesReadyAndReportsFactsAndPool() {
    secret("node-a-ssh");
    client.resource(host("node-a", "10.0.0.5")).create();

    KvmHost h = awaitPhase("node-a", HostPhase.Ready);
    assertThat(h.getStatus().facts.qemuVersion).contains("7.2.0");
    assertThat(h.getStatus().observedHostKey).isEqualTo("SHA256:fake");
    assertThat(h.getStatus().pool.total).isEqualTo(2);
    assertThat(h.getStatus().pool.summary).isEqualTo("0/2");
    assertThat(condition(h, Conditions.READY).getStatus()).isEqualTo("True");
    assertThat(condition(h, Conditions.MODULES_LOADED).getReason()).isEqualTo("TcgOnly");
    assertThat(hosts.host("10.0.0.5").dirs).containsExactly("/var/lib/kvmop");
    assertThat(hosts.host("10.0.0.5").lastPrivateKey).isEqualTo("PRIVATE");
  }

  @Test
  void invalidSpecIsReportedAndNothingIsDone() {
    secret("node-a-ssh");
    KvmHost bad = host("bad", "10.0.0.6");
    bad.getSpec().port = 70000;
    bad.getSpec().addresses.add(new AddressEntry("52:54:00:00:00:99", "10.0.0.10"));
    client.resource(bad).create();

    KvmHost h = awaitPhase("bad", HostPhase.Failed);
    Condition valid = condition(h, Conditions.SPEC_VALID);
    assertThat(valid.getStatus()).isEqualTo("False");
    assertThat(valid.getMessage()).contains("spec.port").contains("spec.addresses[2].ip");
    assertThat(hosts.callsFor("10.0.0.6")).isZero();
  }

  @Test
  void missingSecretKeepsHostPendingUntilItAppears() {
    client.resource(host("node-b", "10.0.0.7")).create();
    KvmHost h = awaitPhase("node-b", HostPhase.Pending);
    assertThat(condition(h, Conditions.READY).getReason()).isEqualTo("SecretNotFound");
    assertThat(hosts.callsFor("10.0.0.7")).isZero();

    secret("node-a-ssh");
    awaitPhase("node-b", HostPhase.Ready);
  }

  @Test
  void hostKeyMismatchFailsAndUnreachableRecovers() {
    secret("node-a-ssh");
    hosts.host("10.0.0.8").connectFailure =
        new HostException(HostException.Reason.HostKeyMismatch, "expected SHA256:a, got SHA256:b");
    hosts.host("10.0.0.9").connectFailure =
        new HostException(HostException.Reason.Unreachable, "connect timed out");
    client.resource(host("mismatch", "10.0.0.8")).create();
    KvmHost down = host("down", "10.0.0.9");
    down.getSpec().probeIntervalSeconds = 1;
    client.resource(down).create();

    KvmHost m = awaitPhase("mismatch", HostPhase.Failed);
    assertThat(condition(m, Conditions.HOST_KEY_VERIFIED).getStatus()).isEqualTo("False");
    awaitPhase("down", HostPhase.Unreachable);

    hosts.host("10.0.0.9").connectFailure = null;
    awaitPhase("down", HostPhase.Ready);
  }

  @Test
  void deletionRemovesWorkDir() {
    secret("node-a-ssh");
    client.resource(host("gone", "10.0.0.11")).create();
    awaitPhase("gone", HostPhase.Ready);

    client.resources(KvmHost.class).withName("gone").delete();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> client.resources(KvmHost.class).withName("gone").get() == null);
    assertThat(hosts.host("10.0.0.11").dirs).isEmpty();
  }

  @Test
  void modprobeLoadsVendorModuleAndReportsVersion() {
    secret("node-a-ssh");
    hosts.host("10.0.0.20").facts.virtualization = "svm";
    KvmHost h = host("mp", "10.0.0.20");
    h.getSpec().kvm.modules = dev.kvmop.api.ModulesMode.Modprobe;
    client.resource(h).create();

    KvmHost ready = awaitPhase("mp", HostPhase.Ready);
    assertThat(hosts.calls).contains("modprobe 10.0.0.20 kvm kvm_amd");
    assertThat(ready.getStatus().modules.version).isEqualTo("fake-1");
    assertThat(ready.getStatus().modules.loadedByOperator).isTrue();
    assertThat(condition(ready, Conditions.MODULES_LOADED).getReason()).isEqualTo("Modprobe");

    client.resources(KvmHost.class).withName("mp").delete();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> client.resources(KvmHost.class).withName("mp").get() == null);
    assertThat(hosts.calls).contains("rmmod 10.0.0.20 kvm_amd", "rmmod 10.0.0.20 kvm");
  }

  @Test
  void buildRunsOnceAndFailedStepIsReportedUntilSpecChanges() {
    secret("node-a-ssh");
    var fake = hosts.host("10.0.0.21");
    fake.facts.virtualization = "vmx";
    fake.failStep = "Configure";
    KvmHost h = buildingHost("bld", "10.0.0.21");
    client.resource(h).create();

    KvmHost failed = awaitPhase("bld", HostPhase.Failed);
    System.out.println(
        "DEBUG-STATUS " + client.getKubernetesSerialization().asYaml(failed.getStatus()));
    assertThat(condition(failed, Conditions.MODULES_LOADED).getReason())
        .isEqualTo("ConfigureFailed");
    assertThat(condition(failed, Conditions.MODULES_LOADED).getMessage()).contains("boom");
    assertThat(hosts.calls.stream().filter(c -> c.startsWith("insmod"))).isEmpty();

    fake.failStep = null;
    editSpec(
        "bld",
        x -> {
          x.getSpec().kvm.build.configureFlags =
              new java.util.ArrayList<>(java.util.List.of("--fixed"));
        });
    KvmHost ready = awaitPhase("bld", HostPhase.Ready);
    assertThat(ready.getStatus().modules.buildStamp).isNotBlank();
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(5))
        .until(() -> fake.buildSteps.stream().filter("Make"::equals).count() == 1);
    assertThat(hosts.calls.stream().filter(c -> c.startsWith("insmod")))
        .hasSize(2)
        .anyMatch(c -> c.endsWith("/kernel/kvm.ko"))
        .anyMatch(c -> c.endsWith("/kernel/kvm-intel.ko"));
  }

  @Test
  void changedBuildSpecRebuildsButSwapsModulesOnlyWhenNoGuestRuns() {
    secret("node-a-ssh");
    var fake = hosts.host("10.0.0.23");
    fake.facts.virtualization = "vmx";
    KvmHost h = buildingHost("swap", "10.0.0.23");
    client.resource(h).create();
    String first = awaitPhase("swap", HostPhase.Ready).getStatus().modules.buildStamp;

    dev.kvmop.api.KvmGuest g = new dev.kvmop.api.KvmGuest();
    g.getMetadata().setName("runner");
    g.setSpec(new dev.kvmop.api.KvmGuestSpec());
    g.getSpec().hostRef = new ObjectRef("swap");
    g = client.resource(g).create();
    g.setStatus(new dev.kvmop.api.KvmGuestStatus());
    g.getStatus().phase = dev.kvmop.api.GuestPhase.Running;
    client.resource(g).patchStatus();

    editSpec(
        "swap",
        x -> {
          x.getSpec().kvm.build.configureFlags =
              new java.util.ArrayList<>(java.util.List.of("--new"));
        });
    KvmHost waiting =
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () -> client.resources(KvmHost.class).withName("swap").get(),
                x -> "WaitingForIdle".equals(condition(x, Conditions.MODULES_LOADED).getReason()));
    assertThat(waiting.getStatus().phase).isEqualTo(HostPhase.Ready);
    assertThat(waiting.getStatus().modules.buildStamp).isEqualTo(first);
    assertThat(fake.buildSteps.stream().filter("Make"::equals)).hasSize(2);
    assertThat(hosts.calls.stream().filter(c -> c.startsWith("rmmod"))).isEmpty();

    client.resource(g).delete();
    KvmHost swapped =
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () -> client.resources(KvmHost.class).withName("swap").get(),
                x -> !first.equals(x.getStatus().modules.buildStamp));
    assertThat(condition(swapped, Conditions.MODULES_LOADED).getReason()).isEqualTo("Built");
    assertThat(hosts.calls.stream().filter(c -> c.startsWith("rmmod")))
        .containsExactly("rmmod 10.0.0.23 kvm_intel", "rmmod 10.0.0.23 kvm");
    assertThat(hosts.calls.stream().filter(c -> c.startsWith("insmod"))).hasSize(4);
    assertThat(fake.buildSteps.stream().filter("Make"::equals)).hasSize(2);
  }

  @Test
  void missingBridgeIsReported() {
    secret("node-a-ssh");
    hosts.host("10.0.0.22").bridges.clear();
    client.resource(host("nobr", "10.0.0.22")).create();
    KvmHost h = awaitPhase("nobr", HostPhase.Ready);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                StatusConditions.find(
                        client
                            .resources(KvmHost.class)
                            .withName("nobr")
                            .get()
                            .getStatus()
                            .conditions,
                        Conditions.NETWORK_READY)
                    .map(Condition::getReason)
                    .orElse(""),
            "BridgeMissing"::equals);
    assertThat(hosts.calls).contains("ifup 10.0.0.22 /var/lib/kvmop br0");
  }

  /**
   * A KvmHost with a spec field this operator does not know (a newer CRD, an older replica) must
   * not stop the host informer: it and every other host are still managed.
   */
  @Test
  void unknownSpecFieldDoesNotStopTheHostInformer() {
    operator.close();
    secret("node-a-ssh");
    var unknown =
        client
            .getKubernetesSerialization()
            .convertValue(
                host("future", "10.0.0.30"),
                io.fabric8.kubernetes.api.model.GenericKubernetesResource.class);
    @SuppressWarnings("unchecked")
    Map<String, Object> spec = (Map<String, Object>) unknown.getAdditionalProperties().get("spec");
    spec.put("fieldOfANewerRelease", Map.of("enabled", true));
    client.resource(unknown).create();
    client.resource(host("known", "10.0.0.31")).create();

    operator = Reconcilers.hosts(client, hosts).start();

    awaitPhase("known", HostPhase.Ready);
    awaitPhase("future", HostPhase.Ready);
    client.resource(host("later", "10.0.0.32")).create();
    awaitPhase("later", HostPhase.Ready);
  }

  /**
   * The operator watches only Secrets labelled kvmop.dev/ssh-credentials=true; a host whose Secret
   * lacks the label is told so, and is managed once the label is added.
   */
  @Test
  void aSecretWithoutTheLabelIsNamedInTheCondition() {
    client
        .resource(
            new io.fabric8.kubernetes.api.model.SecretBuilder()
                .withNewMetadata()
                .withName("unlabelled-ssh")
                .endMetadata()
                .withStringData(Map.of("ssh-privatekey", "PRIVATE"))
                .build())
        .create();
    client.resource(hostAt("unlabelled", "10.0.0.33").secret("unlabelled-ssh").build()).create();

    KvmHost h = awaitPhase("unlabelled", HostPhase.Pending);
    Condition ready = condition(h, Conditions.READY);
    assertThat(ready.getReason()).isEqualTo("SecretNotFound");
    assertThat(ready.getMessage())
        .contains("unlabelled-ssh")
        .contains("kvmop.dev/ssh-credentials=true");
    assertThat(hosts.callsFor("10.0.0.33")).isZero();

    client
        .secrets()
        .withName("unlabelled-ssh")
        .edit(
            s -> {
              s.getMetadata().setLabels(Map.of("kvmop.dev/ssh-credentials", "true"));
              return s;
            });
    awaitPhase("unlabelled", HostPhase.Ready);
  }

  /** Edits a host, retrying when the operator's status write got there first (409). */
  private void editSpec(String name, java.util.function.Consumer<KvmHost> change) {
    for (int attempt = 1; ; attempt++) {
      KvmHost h = client.resources(KvmHost.class).withName(name).get();
      change.accept(h);
      try {
        client.resource(h).update();
        return;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= 10) {
          throw e;
        }
      }
    }
  }

  private KvmHost awaitPhase(String name, HostPhase phase) {
    return CrudApi.awaitHost(client, name, phase, Duration.ofSeconds(20));
  }

  private static Condition condition(KvmHost h, String type) {
    return StatusConditions.find(h.getStatus().conditions, type).orElseThrow();
  }

  private void secret(String name) {
    CrudApi.secret(client, name, Map.of("ssh-privatekey", "PRIVATE"));
  }

  static KvmHost host(String name, String address) {
    return hostAt(name, address).build();
  }

  /** A host in the client's namespace with two pool entries, its key in Secret node-a-ssh. */
  static TestObjects.HostBuilder hostAt(String name, String address) {
    return TestObjects.host(name).in(null).at(address).secret("node-a-ssh").pool(2);
  }

  /** A host probed every second that builds kvm from a tarball already on it. */
  private static KvmHost buildingHost(String name, String address) {
    return hostAt(name, address)
        .probeEvery(1)
        .spec(
            s -> {
              s.kvm.modules = dev.kvmop.api.ModulesMode.Build;
              s.kvm.build = new KvmHostSpec.Build();
              s.kvm.build.source = new KvmHostSpec.Source();
              s.kvm.build.source.hostPath = "/srv/kvm.tgz";
            })
        .build();
  }
}
