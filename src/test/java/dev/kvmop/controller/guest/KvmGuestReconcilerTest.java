package dev.kvmop.controller.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.kvmop.api.Annotations;
import dev.kvmop.api.Conditions;
import dev.kvmop.api.ExitReason;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHost;
import dev.kvmop.api.NetworkType;
import dev.kvmop.api.RunStrategy;
import dev.kvmop.controller.StatusConditions;
import dev.kvmop.host.HostException;
import dev.kvmop.testing.CrudApi;
import dev.kvmop.testing.FakeHostAgents;
import dev.kvmop.testing.Reconcilers;
import dev.kvmop.testing.TestObjects;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The guest reconciler (with the host reconciler, wired as OperatorRuntime does) against the
 * fabric8 CRUD API and stateful fake hosts.
 */
@EnableKubernetesMockClient(crud = true)
class KvmGuestReconcilerTest {
  static final String ADDRESS = "10.0.0.5";
  static final Duration WAIT = Duration.ofSeconds(20);

  KubernetesClient client;
  FakeHostAgents hosts = new FakeHostAgents();
  FakeHostAgents.FakeHost fake = hosts.host(ADDRESS);
  Reconcilers operator;

  @BeforeEach
  void start() throws Exception {
    CrudApi.installCrds(client);
    secret();
    startOperator();
  }

  /** A fresh operator process: new reconcilers, directory and probes; same API and hosts. */
  void startOperator() {
    operator =
        Reconcilers.hostsAndGuests(
                client,
                hosts,
                r ->
                    new KvmGuestReconciler(
                        hosts,
                        r.directory,
                        r.probes(),
                        r.events,
                        r.metrics,
                        r.clock,
                        Duration.ofSeconds(1)))
            .start();
  }

  @AfterEach
  void stop() {
    operator.close();
  }

  @Test
  void guestRunsWithAddressPidAndIdentityInArgv() {
    createHost("node-a", 2);
    KvmGuest created = client.resource(guest("vm-a", "node-a")).create();

    KvmGuest g = awaitGuest("vm-a", phase(GuestPhase.Running));
    String uid = created.getMetadata().getUid();
    assertThat(g.getStatus().host).isEqualTo("node-a");
    assertThat(g.getStatus().ip).isEqualTo("10.0.0.10");
    assertThat(g.getStatus().mac).isEqualTo("52:54:00:00:00:10");
    assertThat(g.getStatus().pid).isEqualTo(fake.process(fake.dirOf("vm-a")).pid);
    assertThat(g.getStatus().restarts).isZero();
    assertThat(g.getStatus().qemuArgv)
        .containsSubsequence("-uuid", uid)
        .containsSubsequence("-name", "guest=test/vm-a");
    assertThat(condition(g, Conditions.PROCESS_RUNNING).getStatus()).isEqualTo("True");
    assertThat(condition(g, Conditions.READY).getStatus()).isEqualTo("True");
    assertThat(fake.dirOf("vm-a")).isEqualTo("/var/lib/kvmop/guests/test_vm-a_" + uid);
    assertThat(fake.count("launch")).isEqualTo(1);
  }

  @Test
  void unknownHostKeepsGuestPendingUntilTheHostExists() {
    client.resource(guest("vm-a", "later")).create();
    KvmGuest g = awaitGuest("vm-a", phase(GuestPhase.Pending));
    Condition scheduled = condition(g, Conditions.SCHEDULED);
    assertThat(scheduled.getStatus()).isEqualTo("False");
    assertThat(scheduled.getReason()).isEqualTo("HostNotFound");
    assertThat(fake.count("launch")).isZero();

    createHost("later", 1);
    g = awaitGuest("vm-a", phase(GuestPhase.Running));
    assertThat(g.getStatus().ip).isEqualTo("10.0.0.10");
  }

  @Test
  void poolExhaustionWaitsForAFreedAddress() {
    createHost("node-a", 3);
    for (String name : List.of("vm-1", "vm-2", "vm-3", "vm-4")) {
      client.resource(guest(name, "node-a")).create();
    }
    await()
        .atMost(WAIT)
        .until(
            () ->
                guests().stream().filter(phase(GuestPhase.Running)).count() == 3
                    && guests().stream()
                        .anyMatch(
                            g ->
                                phase(GuestPhase.Pending).test(g)
                                    && "PoolExhausted"
                                        .equals(reason(g, Conditions.ADDRESS_ASSIGNED))));
    List<KvmGuest> running = guests().stream().filter(phase(GuestPhase.Running)).toList();
    assertThat(running).extracting(g -> g.getStatus().ip).doesNotHaveDuplicates().hasSize(3);
    assertThat(running).extracting(g -> g.getStatus().mac).doesNotHaveDuplicates().hasSize(3);
    KvmGuest pending = guests().stream().filter(phase(GuestPhase.Pending)).findFirst().get();
    assertThat(condition(pending, Conditions.ADDRESS_ASSIGNED).getStatus()).isEqualTo("False");
    assertThat(pending.getStatus().ip).isNull();
    assertThat(fake.count("launch")).isEqualTo(3);

    KvmGuest victim = running.get(0);
    client.resource(victim).delete();
    KvmGuest now = awaitGuest(pending.getMetadata().getName(), phase(GuestPhase.Running));
    assertThat(now.getStatus().ip).isEqualTo(victim.getStatus().ip);
    assertThat(now.getStatus().mac).isEqualTo(victim.getStatus().mac);
  }

  @Test
  void requestedAddressOutsideThePoolIsRefused() {
    createHost("node-a", 2);
    KvmGuest g = guestOn("node-a", "vm-a").requestIp("10.9.9.9").build();
    client.resource(g).create();

    g =
        awaitGuest(
            "vm-a",
            x ->
                phase(GuestPhase.Pending).test(x)
                    && "RequestedAddressNotInPool".equals(reason(x, Conditions.ADDRESS_ASSIGNED)));
    assertThat(condition(g, Conditions.ADDRESS_ASSIGNED).getMessage()).contains("10.9.9.9");
    assertThat(g.getStatus().ip).isNull();
    assertThat(fake.count("launch")).isZero();
  }

  @Test
  void invalidSpecNamesTheFieldsAndLaunchesNothing() {
    createHost("node-a", 2);
    KvmGuest g =
        guestOn("node-a", "vm-a")
            .spec(s -> s.extraArgs = List.of("-daemonize"))
            .cpus(0)
            .memory("lots")
            .build();
    client.resource(g).create();

    g = awaitGuest("vm-a", x -> "False".equals(status(x, Conditions.SPEC_VALID)));
    assertThat(condition(g, Conditions.SPEC_VALID).getMessage())
        .contains("spec.extraArgs")
        .contains("spec.cpus")
        .contains("spec.memory");
    assertThat(g.getStatus().phase).isEqualTo(GuestPhase.Failed);
    assertThat(g.getStatus().ip).isNull();
    assertThat(fake.count("launch")).isZero();
  }

  @Test
  void crashUnderAlwaysIsRelaunchedAfterBackoff() {
    KvmGuest g = runOnOneAddressHost("vm-a");
    int firstPid = g.getStatus().pid;

    fake.kill(fake.dirOf("vm-a"));
    g = awaitGuest("vm-a", runningWithRestarts(1));
    assertThat(g.getStatus().lastExit.reason).isEqualTo(ExitReason.Crashed);
    assertThat(g.getStatus().pid).isNotEqualTo(firstPid);
    assertThat(g.getStatus().pid).isEqualTo(fake.process(fake.dirOf("vm-a")).pid);
    assertThat(g.getStatus().ip).isEqualTo("10.0.0.10");
    assertThat(fake.count("launch")).isEqualTo(2);
  }

  @Test
  void crashUnderManualFailsAndStaysDown() {
    runOnOneAddressHost("vm-a", RunStrategy.Manual);

    fake.kill(fake.dirOf("vm-a"));
    KvmGuest g = awaitGuest("vm-a", phase(GuestPhase.Failed));
    assertThat(g.getStatus().lastExit.reason).isEqualTo(ExitReason.Crashed);
    assertThat(g.getStatus().pid).isNull();
    assertThat(condition(g, Conditions.PROCESS_RUNNING).getStatus()).isEqualTo("False");
    assertNoFurtherLaunch("vm-a", 1);
  }

  @Test
  void guestShutdownUnderRerunOnFailureSucceeds() {
    runOnOneAddressHost("vm-a", RunStrategy.RerunOnFailure);

    fake.guestShutdown(fake.dirOf("vm-a"));
    KvmGuest g = awaitGuest("vm-a", phase(GuestPhase.Succeeded));
    assertThat(g.getStatus().lastExit.reason).isEqualTo(ExitReason.Shutdown);
    assertNoFurtherLaunch("vm-a", 1);
  }

  @Test
  void failedLaunchUnderAlwaysIsRetriedAfterBackoff() {
    createHost("node-a", 1);
    fake.failNextLaunch(new HostException(HostException.Reason.CommandFailed, "qemu: bad disk"));
    client.resource(guest("vm-a", "node-a")).create();

    KvmGuest g = awaitGuest("vm-a", phase(GuestPhase.Running));
    assertThat(g.getStatus().lastExit.reason).isEqualTo(ExitReason.Crashed);
    assertThat(fake.count("launch")).isEqualTo(2);
  }

  @Test
  void connectionLostDuringFirstLaunchUnderManualStillStartsTheGuest() {
    createHost("node-a", 1);
    fake.failNextLaunch(new HostException(HostException.Reason.Unreachable, "connection reset"));
    KvmGuest g = guestOn("node-a", "vm-a").manual().build();
    client.resource(g).create();

    // The launch never happened: the guest did not crash, so Manual must not leave it Failed.
    g = awaitGuest("vm-a", phase(GuestPhase.Running));
    assertThat(g.getStatus().lastExit).isNull();
    assertThat(g.getStatus().pid).isEqualTo(fake.process(fake.dirOf("vm-a")).pid);
  }

  @Test
  void launchWhoseReplyWasLostIsAdoptedAsALaunchAndItsRelaunchCounted() {
    createHost("node-a", 1);
    fake.loseNextLaunchReply(
        new HostException(HostException.Reason.Unreachable, "connection reset"));
    client.resource(guest("vm-a", "node-a")).create();

    // The qemu started; the operator only lost the answer. Adopted, and recorded like a launch.
    KvmGuest g =
        awaitGuest(
            "vm-a", x -> phase(GuestPhase.Running).test(x) && x.getStatus().startedAt != null);
    assertThat(g.getStatus().pid).isEqualTo(fake.process(fake.dirOf("vm-a")).pid);
    assertThat(g.getStatus().qemuArgv).isNotEmpty();
    assertThat(g.getStatus().restarts).isZero();
    assertThat(fake.count("launch")).isEqualTo(2);

    g = rebootAndAwaitRelaunch("vm-a");
  }

  @Test
  void haltedStopsARunningGuest() {
    runOnOneAddressHost("vm-a");
    String dir = fake.dirOf("vm-a");

    client
        .resources(KvmGuest.class)
        .withName("vm-a")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"runStrategy\":\"Halted\"}}");
    KvmGuest g = awaitGuest("vm-a", phase(GuestPhase.Stopped));
    assertThat(fake.count("stop", dir)).isEqualTo(1);
    assertThat(fake.process(dir).running).isFalse();
    assertThat(g.getStatus().pid).isNull();
    assertNoFurtherLaunch("vm-a", 1);
  }

  @Test
  void resetIsSentOncePerTokenAndKeepsThePid() {
    int pid = runOnOneAddressHost("vm-a").getStatus().pid;
    String dir = fake.dirOf("vm-a");

    annotate("vm-a", Annotations.RESET, "t1");
    awaitGuest(
        "vm-a", x -> x.getStatus().actions != null && "t1".equals(x.getStatus().actions.reset));
    annotate("vm-a", "poke", "1");
    annotate("vm-a", Annotations.RESET, "t2");
    KvmGuest g =
        awaitGuest(
            "vm-a", x -> x.getStatus().actions != null && "t2".equals(x.getStatus().actions.reset));

    assertThat(fake.count("reset", dir)).isEqualTo(2);
    assertThat(g.getStatus().pid).isEqualTo(pid);
    assertThat(g.getStatus().phase).isEqualTo(GuestPhase.Running);
    assertThat(fake.count("launch")).isEqualTo(1);
  }

  @Test
  void restartStopsAndRelaunchesWithANewPid() {
    int pid = runOnOneAddressHost("vm-a").getStatus().pid;
    String dir = fake.dirOf("vm-a");

    annotate("vm-a", Annotations.RESTART, "r1");
    KvmGuest g =
        awaitGuest(
            "vm-a",
            x ->
                phase(GuestPhase.Running).test(x)
                    && x.getStatus().actions != null
                    && "r1".equals(x.getStatus().actions.restart));
    assertThat(g.getStatus().pid).isNotEqualTo(pid);
    assertThat(g.getStatus().pid).isEqualTo(fake.process(dir).pid);
    assertThat(fake.verbs).containsSubsequence("stop " + dir, "launch " + dir);
    assertThat(fake.count("stop", dir)).isEqualTo(1);
    assertThat(fake.count("launch", dir)).isEqualTo(2);
  }

  @Test
  void unreachableHostMakesGuestsUnknownUntilItAnswers() {
    createHost("node-a", 2);
    client.resource(guest("vm-a", "node-a")).create();
    client.resource(guest("vm-b", "node-a")).create();
    awaitGuest("vm-a", phase(GuestPhase.Running));
    int pidB = awaitGuest("vm-b", phase(GuestPhase.Running)).getStatus().pid;
    int pidA = client.resources(KvmGuest.class).withName("vm-a").get().getStatus().pid;

    fake.connectFailure = new HostException(HostException.Reason.Unreachable, "no route");
    for (String name : List.of("vm-a", "vm-b")) {
      KvmGuest g = awaitGuest(name, phase(GuestPhase.Unknown));
      assertThat(condition(g, Conditions.PROCESS_RUNNING).getStatus()).isEqualTo("Unknown");
    }
    awaitHost("node-a", HostPhase.Unreachable);
    assertThat(fake.count("launch")).isEqualTo(2);

    fake.connectFailure = null;
    assertThat(awaitGuest("vm-a", phase(GuestPhase.Running)).getStatus().pid).isEqualTo(pidA);
    assertThat(awaitGuest("vm-b", phase(GuestPhase.Running)).getStatus().pid).isEqualTo(pidB);
    assertThat(fake.count("launch")).isEqualTo(2);
  }

  @Test
  void hostRebootIsHostLostAndRelaunchesUnderAlways() {
    KvmGuest g = runOnOneAddressHost("vm-a");
    assertThat(g.getStatus().bootId).isEqualTo("boot-1");

    g = rebootAndAwaitRelaunch("vm-a");
    assertThat(g.getStatus().bootId).isEqualTo("boot-2");
    assertThat(g.getStatus().pid).isEqualTo(fake.process(fake.dirOf("vm-a")).pid);
    assertThat(fake.count("launch")).isEqualTo(2);
  }

  @Test
  void operatorRestartAdoptsRunningGuestsAndKeepsTheirAddresses() {
    createHost("node-a", 3);
    client.resource(guest("vm-a", "node-a")).create();
    client.resource(guest("vm-b", "node-a")).create();
    KvmGuest a = awaitGuest("vm-a", phase(GuestPhase.Running));
    KvmGuest b = awaitGuest("vm-b", phase(GuestPhase.Running));

    stop();
    // The new operator's host reconciler is held before it publishes the host; meanwhile the
    // guest reconciler already sees the Running guests and must not call them Unknown.
    fake.factsGate = new CountDownLatch(1);
    startOperator();
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(4))
        .until(() -> guests().stream().allMatch(phase(GuestPhase.Running)));
    fake.factsGate.countDown();

    // Proof the new operator handles the old guests: a reset reaches them.
    annotate("vm-a", Annotations.RESET, "after-restart");
    annotate("vm-b", Annotations.RESET, "after-restart");
    client.resource(guest("vm-c", "node-a")).create();
    KvmGuest c = awaitGuest("vm-c", phase(GuestPhase.Running));
    client.resource(guest("vm-d", "node-a")).create();
    KvmGuest d =
        awaitGuest(
            "vm-d",
            x ->
                phase(GuestPhase.Pending).test(x)
                    && "PoolExhausted".equals(reason(x, Conditions.ADDRESS_ASSIGNED)));
    for (KvmGuest before : List.of(a, b)) {
      String name = before.getMetadata().getName();
      KvmGuest now =
          awaitGuest(
              name,
              x ->
                  phase(GuestPhase.Running).test(x)
                      && x.getStatus().actions != null
                      && "after-restart".equals(x.getStatus().actions.reset));
      assertThat(now.getStatus().pid).isEqualTo(before.getStatus().pid);
      assertThat(now.getStatus().ip).isEqualTo(before.getStatus().ip);
      assertThat(now.getStatus().restarts).isZero();
      assertThat(fake.count("launch", fake.dirOf(name))).isEqualTo(1);
    }
    assertThat(List.of(a.getStatus().ip, b.getStatus().ip, c.getStatus().ip))
        .doesNotHaveDuplicates();
    assertThat(d.getStatus().ip).isNull();
    // Restarting the operator is not news about the host: no guest was reported Unknown.
    assertThat(warnings("vm-a")).isEmpty();
    assertThat(warnings("vm-b")).isEmpty();
  }

  @Test
  void deletionStopsRemovesAndFreesTheAddress() {
    KvmGuest a = runOnOneAddressHost("vm-a");
    assertThat(a.getMetadata().getFinalizers()).isNotEmpty();
    String dir = fake.dirOf("vm-a");
    client.resource(guest("vm-b", "node-a")).create();
    awaitGuest(
        "vm-b",
        x ->
            phase(GuestPhase.Pending).test(x)
                && "PoolExhausted".equals(reason(x, Conditions.ADDRESS_ASSIGNED)));

    client.resources(KvmGuest.class).withName("vm-a").delete();
    await()
        .atMost(WAIT)
        .until(() -> client.resources(KvmGuest.class).withName("vm-a").get() == null);
    assertThat(fake.verbs).containsSubsequence("stop " + dir, "remove " + dir);
    assertThat(fake.process(dir)).isNull();

    KvmGuest b = awaitGuest("vm-b", phase(GuestPhase.Running));
    assertThat(b.getStatus().ip).isEqualTo(a.getStatus().ip);
  }

  // --- helpers -------------------------------------------------------------------------------

  /** A later event (an annotation) is handled, and still the guest was launched only n times. */
  /** Reboots the fake host; returns the guest once relaunched (restarts 1) after HostLost. */
  private KvmGuest rebootAndAwaitRelaunch(String name) {
    fake.reboot();
    KvmGuest g =
        awaitGuest(
            name,
            x ->
                phase(GuestPhase.Running).test(x)
                    && x.getStatus().restarts != null
                    && x.getStatus().restarts == 1);
    assertThat(g.getStatus().lastExit.reason).isEqualTo(ExitReason.HostLost);
    return g;
  }

  private void assertNoFurtherLaunch(String name, int launches) {
    annotate(name, "poke", "1");
    String dir = fake.dirOf(name);
    // The poke reconciles the guest; a relaunch would show as another launch verb. Wait for
    // the probe loop to have run a few times as well, without sleeping.
    long probesBefore = hosts.calls.size();
    await().atMost(WAIT).until(() -> hosts.calls.size() > probesBefore + 3);
    assertThat(fake.count("launch", dir)).isEqualTo(launches);
  }

  /** A merge patch of one annotation: no resourceVersion, so no conflict with status writes. */
  private void annotate(String name, String key, String value) {
    client
        .resources(KvmGuest.class)
        .withName(name)
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"metadata\":{\"annotations\":{\"" + key + "\":\"" + value + "\"}}}");
  }

  /** "reason: message" of the Warning Events about a guest. */
  private List<String> warnings(String guest) {
    return client.v1().events().list().getItems().stream()
        .filter(e -> "Warning".equals(e.getType()))
        .filter(e -> guest.equals(e.getInvolvedObject().getName()))
        .map(e -> e.getReason() + ": " + e.getMessage())
        .toList();
  }

  private List<KvmGuest> guests() {
    return client.resources(KvmGuest.class).list().getItems();
  }

  private KvmGuest awaitGuest(String name, Predicate<KvmGuest> until) {
    return CrudApi.awaitGuest(client, name, until, WAIT);
  }

  private void awaitHost(String name, HostPhase phase) {
    CrudApi.awaitHost(client, name, phase, WAIT);
  }

  private static Predicate<KvmGuest> phase(GuestPhase phase) {
    return g -> g.getStatus() != null && g.getStatus().phase == phase;
  }

  private static Predicate<KvmGuest> runningWithRestarts(int restarts) {
    return g ->
        phase(GuestPhase.Running).test(g)
            && g.getStatus().restarts != null
            && g.getStatus().restarts == restarts;
  }

  private static Condition condition(KvmGuest g, String type) {
    return StatusConditions.find(g.getStatus().conditions, type).orElseThrow();
  }

  private static String reason(KvmGuest g, String type) {
    return StatusConditions.find(g.getStatus().conditions, type)
        .map(Condition::getReason)
        .orElse(null);
  }

  private static String status(KvmGuest g, String type) {
    return StatusConditions.find(g.getStatus().conditions, type)
        .map(Condition::getStatus)
        .orElse(null);
  }

  private void secret() {
    CrudApi.secret(client, "node-ssh", Map.of("ssh-privatekey", "PRIVATE"));
  }

  /** Host {@code name} on the fake host, probed every second, with {@code addresses} entries. */
  private void createHost(String name, int addresses) {
    KvmHost h =
        TestObjects.host(name)
            .in(client.getNamespace())
            .at(ADDRESS)
            .probeEvery(1)
            .pool(addresses)
            .build();
    client.resource(h).create();
  }

  /** Creates host node-a with one address and the guest on it; waits for it to run. */
  private KvmGuest runOnOneAddressHost(String name) {
    return runOnOneAddressHost(guest(name, "node-a"));
  }

  /** The same, for a guest under {@code strategy}. */
  private KvmGuest runOnOneAddressHost(String name, RunStrategy strategy) {
    return runOnOneAddressHost(guestOn("node-a", name).runStrategy(strategy).build());
  }

  private KvmGuest runOnOneAddressHost(KvmGuest g) {
    createHost("node-a", 1);
    client.resource(g).create();
    return awaitGuest(g.getMetadata().getName(), phase(GuestPhase.Running));
  }

  private KvmGuest guest(String name, String host) {
    return guestOn(host, name).build();
  }

  /** A guest on a bridge, which takes a pool address (the network type a KvmGuest defaults to). */
  private TestObjects.GuestBuilder guestOn(String host, String name) {
    return TestObjects.guest(name)
        .in(client.getNamespace())
        .on(host)
        .network(NetworkType.Bridge)
        .memory("64Mi");
  }
}
