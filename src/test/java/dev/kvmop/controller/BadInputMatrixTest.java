package dev.kvmop.controller.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvmop.api.Conditions;
import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmHost;
import dev.kvmop.controller.EventRecorder;
import dev.kvmop.controller.StatusConditions;
import dev.kvmop.metrics.DomainMetrics;
import dev.kvmop.testing.CrudApi;
import dev.kvmop.testing.FakeHostAgents;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.javaoperatorsdk.operator.Operator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Table of bad KvmHost input, written as raw JSON so that the typed model cannot block any of it
 * (unknown enum constants, values of the wrong type): each must be rejected with a condition that
 * names the field, must never reach a host, and must not disturb valid hosts beside it.
 */
@EnableKubernetesMockClient(crud = true)
class HostBadInputTest {
  static final String KEY_LINE = KvmHostReconcilerTest.KEY_LINE;
  static final String CONTROL_ADDRESS = "10.9.0.1";
  static final String LATE_CONTROL_ADDRESS = "10.9.0.2";

  KubernetesClient client;
  FakeHostAgents hosts = new FakeHostAgents();
  Operator operator;

  /** What the operator must say about a case. */
  record Expect(String conditionType, String reason, String messageFragment) {
    static Expect spec(String field) {
      return new Expect(Conditions.SPEC_VALID, "InvalidSpec", field);
    }
  }

  record Case(String name, Consumer<Map<String, Object>> mutateSpec, Expect expect) {}

  @BeforeEach
  void start() throws Exception {
    CrudApi.installCrds(client);
    operator =
        new Operator(
            o ->
                o.withKubernetesClient(client)
                    .withUseSSAToPatchPrimaryResource(false)
                    .withCloseClientOnStop(false));
    Clock clock = Clock.systemUTC();
    operator.register(
        new KvmHostReconciler(
            hosts,
            new dev.kvmop.controller.HostDirectory(),
            new EventRecorder(client, clock),
            new DomainMetrics(new SimpleMeterRegistry()),
            clock));
    operator.start();
  }

  @AfterEach
  void stop() {
    operator.stop();
  }

  static List<Case> cases() {
    List<Case> c = new ArrayList<>();
    c.add(
        new Case("addr-syntax", s -> s.put("address", "not a host!"), Expect.spec("spec.address")));
    c.add(new Case("addr-empty", s -> s.put("address", ""), Expect.spec("spec.address")));
    c.add(new Case("addr-missing", s -> s.remove("address"), Expect.spec("spec.address")));
    c.add(
        new Case(
            "addr-1mb", s -> s.put("address", "a".repeat(1 << 20)), Expect.spec("spec.address")));
    c.add(new Case("port-0", s -> s.put("port", 0), Expect.spec("spec.port")));
    c.add(new Case("port-70000", s -> s.put("port", 70000), Expect.spec("spec.port")));
    c.add(new Case("port-negative", s -> s.put("port", -22), Expect.spec("spec.port")));
    c.add(new Case("user-bad", s -> s.put("user", "Root; id"), Expect.spec("spec.user")));
    c.add(new Case("user-empty", s -> s.put("user", ""), Expect.spec("spec.user")));
    c.add(
        new Case(
            "secretref-missing",
            s -> s.remove("credentialsSecretRef"),
            Expect.spec("spec.credentialsSecretRef.name")));
    c.add(
        new Case(
            "secretref-noname",
            s -> s.put("credentialsSecretRef", new LinkedHashMap<>()),
            Expect.spec("spec.credentialsSecretRef.name")));
    c.add(
        new Case(
            "secretref-invalid",
            s -> s.put("credentialsSecretRef", Map.of("name", "Bad_Name/..")),
            Expect.spec("spec.credentialsSecretRef.name")));
    c.add(new Case("pinned-nokey", s -> s.remove("hostKey"), Expect.spec("spec.hostKey")));
    c.add(new Case("pinned-blankkey", s -> s.put("hostKey", "  "), Expect.spec("spec.hostKey")));
    c.add(
        new Case(
            "hostkey-malformed",
            s -> s.put("hostKey", "ssh-ed25519 not*base64"),
            Expect.spec("spec.hostKey")));
    c.add(
        new Case(
            "hostkey-badfp", s -> s.put("hostKey", "SHA256:short"), Expect.spec("spec.hostKey")));
    c.add(
        new Case(
            "hostkey-badtype",
            s -> s.put("hostKey", "ssh-foo " + KEY_LINE.split(" ")[1]),
            Expect.spec("spec.hostKey")));
    c.add(
        new Case(
            "policy-unknown",
            s -> s.put("hostKeyPolicy", "TrustEveryone"),
            Expect.spec("spec.hostKeyPolicy")));
    c.add(
        new Case(
            "policy-wrongcase",
            s -> s.put("hostKeyPolicy", "pinned"),
            Expect.spec("spec.hostKeyPolicy")));
    c.add(new Case("workdir-relative", s -> s.put("workDir", "var/lib/kvmop"), spec("workDir")));
    c.add(new Case("workdir-root", s -> s.put("workDir", "/"), spec("workDir")));
    c.add(new Case("workdir-dotdot", s -> s.put("workDir", "/var/lib/../../etc"), spec("workDir")));
    c.add(new Case("workdir-trailing-dotdot", s -> s.put("workDir", "/usr/.."), spec("workDir")));
    c.add(new Case("workdir-slashdotdot", s -> s.put("workDir", "/.."), spec("workDir")));
    c.add(new Case("workdir-doubleslash", s -> s.put("workDir", "//"), spec("workDir")));
    c.add(new Case("workdir-dot", s -> s.put("workDir", "/./"), spec("workDir")));
    c.add(
        new Case("workdir-trailing-slash", s -> s.put("workDir", "/srv/kvmop/"), spec("workDir")));
    c.add(new Case("workdir-nul", s -> s.put("workDir", "/srv/\u0000x"), spec("workDir")));
    c.add(new Case("probe-0", s -> s.put("probeIntervalSeconds", 0), spec("probeIntervalSeconds")));
    c.add(new Case("sessions-0", s -> s.put("maxSessions", 0), spec("maxSessions")));
    c.add(new Case("sessions-100", s -> s.put("maxSessions", 100), spec("maxSessions")));
    c.add(new Case("maxguests-neg", s -> s.put("maxGuests", -1), spec("maxGuests")));
    c.add(
        new Case(
            "bridge-shell",
            s -> s.put("network", Map.of("bridge", "br0;reboot")),
            spec("network.bridge")));
    c.add(
        new Case(
            "bridge-long",
            s -> s.put("network", Map.of("bridge", "bridge-name-too-long")),
            spec("network.bridge")));
    c.add(
        new Case(
            "qemu-relative",
            s -> s.put("qemu", Map.of("binary", "qemu-system-x86_64")),
            spec("qemu.binary")));
    c.add(new Case("modules-unknown", s -> kvm(s).put("modules", "Compile"), spec("kvm.modules")));
    c.add(
        new Case("build-nosource", s -> kvm(s).put("modules", "Build"), spec("kvm.build.source")));
    c.add(
        new Case(
            "build-url-and-path",
            s -> build(s, Map.of("url", "https://x/kvm.tgz", "sha256", SHA, "hostPath", "/srv/k")),
            spec("kvm.build.source")));
    c.add(
        new Case(
            "build-url-nosha",
            s -> build(s, Map.of("url", "https://x/kvm.tgz")),
            spec("kvm.build.source.sha256")));
    c.add(
        new Case(
            "build-bad-sha",
            s -> build(s, Map.of("url", "https://x/kvm.tgz", "sha256", "abc123")),
            spec("kvm.build.source.sha256")));
    c.add(
        new Case(
            "build-url-scheme",
            s -> build(s, Map.of("url", "file:///etc/passwd", "sha256", SHA)),
            spec("kvm.build.source.url")));
    c.add(
        new Case(
            "build-relative-path",
            s -> build(s, Map.of("hostPath", "srv/kvm.tgz")),
            spec("kvm.build.source.hostPath")));
    c.add(
        new Case(
            "mac-invalid",
            s -> addresses(s).add(entry("52:54:00:00:00:zz", "10.8.0.50")),
            spec("addresses[2].mac")));
    c.add(
        new Case(
            "ip-invalid",
            s -> addresses(s).add(entry("52:54:00:00:01:50", "10.8.0.300")),
            spec("addresses[2].ip")));
    c.add(
        new Case(
            "ip-duplicate",
            s -> addresses(s).add(entry("52:54:00:00:01:51", "10.8.0.10")),
            spec("addresses[2].ip")));
    c.add(
        new Case(
            "ip-duplicate-ipv6-forms",
            s -> {
              addresses(s).add(entry("52:54:00:00:01:52", "fd00::1"));
              addresses(s).add(entry("52:54:00:00:01:53", "fd00:0:0::0001"));
            },
            spec("addresses[3].ip")));
    c.add(
        new Case(
            "mac-duplicate",
            s -> addresses(s).add(entry("52:54:00:00:00:10", "10.8.0.52")),
            spec("addresses[2].mac")));
    c.add(
        new Case(
            "mac-duplicate-case",
            s -> addresses(s).add(entry("52:54:00:00:00:1A", "10.8.0.53")),
            spec("addresses[2].mac")));
    c.add(
        new Case(
            "ranges-overlap",
            s -> {
              ranges(s).add(range("10.7.0.1", "10.7.0.20"));
              ranges(s).add(range("10.7.0.15", "10.7.0.30"));
            },
            spec("addressRanges[1]")));
    c.add(
        new Case(
            "range-overlaps-entry",
            s -> ranges(s).add(range("10.8.0.5", "10.8.0.12")),
            spec("addressRanges[0]")));
    c.add(
        new Case(
            "range-reversed",
            s -> ranges(s).add(range("10.7.0.30", "10.7.0.1")),
            spec("addressRanges[0]")));
    c.add(
        new Case(
            "range-ipv6",
            s -> ranges(s).add(range("fd00::1", "fd00::20")),
            spec("addressRanges[0].first")));
    c.add(
        new Case(
            "range-huge",
            s -> ranges(s).add(range("10.0.0.0", "10.255.255.255")),
            spec("addressRanges[0]")));
    c.add(
        new Case(
            "range-bad-prefix",
            s -> {
              Map<String, Object> r = range("10.7.0.1", "10.7.0.2");
              r.put("macPrefix", "52:54:00:00:00:00:00");
              ranges(s).add(r);
            },
            spec("addressRanges[0].macPrefix")));
    c.add(
        new Case(
            "secret-missing",
            s -> s.put("credentialsSecretRef", Map.of("name", "no-such-secret")),
            new Expect(Conditions.READY, "SecretNotFound", "spec.credentialsSecretRef")));
    c.add(
        new Case(
            "secret-nokey",
            s -> s.put("credentialsSecretRef", Map.of("name", "empty-ssh")),
            new Expect(Conditions.READY, "SecretKeyMissing", "ssh-privatekey")));
    return c;
  }

  static final String SHA = "a".repeat(64);

  private static Expect spec(String field) {
    return Expect.spec("spec." + field);
  }

  @Test
  void everyBadHostIsRejectedCleanlyAndValidHostsCarryOn() {
    secret("bad-ssh", Map.of("ssh-privatekey", "PRIVATE"));
    secret("empty-ssh", Map.of("passphrase", "only-a-passphrase"));
    create("control", CONTROL_ADDRESS, s -> {});
    awaitPhase("control", HostPhase.Ready);

    List<Case> cases = cases();
    for (int i = 0; i < cases.size(); i++) {
      Case c = cases.get(i);
      create("bad-" + c.name(), badAddress(i), c.mutateSpec());
    }
    create("late-control", LATE_CONTROL_ADDRESS, s -> {});

    List<String> problems = new ArrayList<>();
    try {
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(250))
          .until(
              () -> {
                problems.clear();
                for (Case c : cases) {
                  String p = check(c);
                  if (p != null) {
                    problems.add(p);
                  }
                }
                return problems.isEmpty();
              });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("bad hosts not reported as expected: " + problems, e);
    }
    awaitPhase("late-control", HostPhase.Ready);

    // The valid host keeps being probed: a few more rounds of it bound the time in which the bad
    // ones had their chance to (wrongly) reach a host.
    long before = hosts.callsFor(CONTROL_ADDRESS);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> hosts.callsFor(CONTROL_ADDRESS) >= before + 6);
    List<String> strayCalls =
        hosts.calls.stream()
            .filter(call -> !call.contains(CONTROL_ADDRESS) && !call.contains(LATE_CONTROL_ADDRESS))
            .toList();
    int clean = 0;
    for (int i = 0; i < cases.size(); i++) {
      if (hosts.callsFor(badAddress(i)) == 0 && check(cases.get(i)) == null) {
        clean++;
      }
    }
    System.out.println("bad-input: " + cases.size() + " cases, " + clean + " rejected cleanly");
    assertThat(strayCalls).isEmpty();
    assertThat(problems).isEmpty();
    assertThat(clean).isEqualTo(cases.size());
    assertThat(cases).hasSizeGreaterThanOrEqualTo(25);
    assertThat(get("control").getStatus().phase).isEqualTo(HostPhase.Ready);
  }

  /** Null when the case is reported as expected, else what is wrong. */
  private String check(Case c) {
    String name = "bad-" + c.name();
    KvmHost h;
    try {
      h = get(name);
    } catch (RuntimeException e) {
      return name + ": cannot be read back: " + e;
    }
    if (h == null || h.getStatus() == null || h.getStatus().conditions == null) {
      return name + ": no status";
    }
    Condition cond =
        StatusConditions.find(h.getStatus().conditions, c.expect().conditionType()).orElse(null);
    if (cond == null) {
      return name + ": no " + c.expect().conditionType() + " condition";
    }
    if (!"False".equals(cond.getStatus())
        || !c.expect().reason().equals(cond.getReason())
        || cond.getMessage() == null
        || !cond.getMessage().contains(c.expect().messageFragment())) {
      return name
          + ": "
          + cond.getType()
          + "="
          + cond.getStatus()
          + " "
          + cond.getReason()
          + " "
          + cond.getMessage();
    }
    if (cond.getMessage().length() > 2000) {
      return name + ": message of " + cond.getMessage().length() + " chars";
    }
    HostPhase want =
        c.expect().conditionType().equals(Conditions.SPEC_VALID)
            ? HostPhase.Failed
            : HostPhase.Pending;
    if (h.getStatus().phase != want) {
      return name + ": phase " + h.getStatus().phase + ", want " + want;
    }
    return null;
  }

  private static String badAddress(int i) {
    return "10.1." + (i / 200) + "." + (i % 200 + 1);
  }

  private void create(String name, String address, Consumer<Map<String, Object>> mutate) {
    Map<String, Object> spec = baseSpec(address);
    mutate.accept(spec);
    GenericKubernetesResource r = new GenericKubernetesResource();
    r.setApiVersion(KvmHost.GROUP + "/" + KvmHost.VERSION);
    r.setKind("KvmHost");
    r.setMetadata(
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
            .withName(name)
            .withNamespace(client.getNamespace())
            .build());
    r.setAdditionalProperty("spec", spec);
    client.resource(r).create();
  }

  private static Map<String, Object> baseSpec(String address) {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("address", address);
    spec.put("port", 22);
    spec.put("user", "root");
    spec.put("credentialsSecretRef", Map.of("name", "bad-ssh"));
    spec.put("hostKey", KEY_LINE);
    spec.put("hostKeyPolicy", "Pinned");
    spec.put("workDir", "/var/lib/kvmop");
    spec.put("probeIntervalSeconds", 1);
    spec.put("maxSessions", 8);
    spec.put("maxGuests", 0);
    spec.put("qemu", Map.of("binary", "/usr/bin/qemu-system-x86_64"));
    Map<String, Object> kvm = new LinkedHashMap<>();
    kvm.put("modules", "Builtin");
    kvm.put("requireHardwareVirtualization", false);
    spec.put("kvm", kvm);
    spec.put("network", Map.of("bridge", "br0"));
    List<Object> addresses = new ArrayList<>();
    addresses.add(entry("52:54:00:00:00:10", "10.8.0.10"));
    addresses.add(entry("52:54:00:00:00:1a", "10.8.0.11"));
    spec.put("addresses", addresses);
    spec.put("addressRanges", new ArrayList<>());
    return spec;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> kvm(Map<String, Object> spec) {
    return (Map<String, Object>) spec.get("kvm");
  }

  private static void build(Map<String, Object> spec, Map<String, Object> source) {
    kvm(spec).put("modules", "Build");
    kvm(spec).put("build", Map.of("source", source));
  }

  @SuppressWarnings("unchecked")
  private static List<Object> addresses(Map<String, Object> spec) {
    return (List<Object>) spec.get("addresses");
  }

  @SuppressWarnings("unchecked")
  private static List<Object> ranges(Map<String, Object> spec) {
    return (List<Object>) spec.get("addressRanges");
  }

  private static Map<String, Object> entry(String mac, String ip) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("mac", mac);
    e.put("ip", ip);
    return e;
  }

  private static Map<String, Object> range(String first, String last) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("first", first);
    r.put("last", last);
    return r;
  }

  private KvmHost get(String name) {
    return client.resources(KvmHost.class).withName(name).get();
  }

  private void awaitPhase(String name, HostPhase phase) {
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> get(name),
            h -> h != null && h.getStatus() != null && h.getStatus().phase == phase);
  }

  private void secret(String name, Map<String, String> data) {
    client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .endMetadata()
                .withStringData(data)
                .build())
        .create();
  }
}
