package dev.kvmop.controller.host;

import static dev.kvmop.api.HostPhase.Failed;
import static dev.kvmop.api.HostPhase.Pending;
import static dev.kvmop.api.HostPhase.Provisioning;
import static dev.kvmop.api.HostPhase.Ready;
import static dev.kvmop.api.HostPhase.Terminating;
import static dev.kvmop.api.HostPhase.Unreachable;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.HostPhase;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.api.KvmHost;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.api.KvmHostStatus;
import dev.kvmop.api.ModulesMode;
import dev.kvmop.host.BuildException;
import dev.kvmop.host.HostException;
import dev.kvmop.host.NetworkState;
import dev.kvmop.host.WorkDirClaim;
import dev.kvmop.testing.FakeHostAgents.FakeHost;
import dev.kvmop.testing.SshKeys;
import dev.kvmop.testing.TestObjects;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every host transition of docs/state-diagrams.md as one row, run synchronously against {@link
 * HostRounds} (no operator, no API server): a host, its Secret and fake machine, optionally a first
 * reconcile and a change, then the reconcile (or deletion) under test, and what it must arrive at:
 * phase and reason, conditions ("Type=Status/Reason"), the HostAgent verbs it called in order, the
 * status writes it made, the Events it emitted and when it checks again.
 */
class HostLifecycleTest {
  static final String ADDRESS = "10.0.0.5";
  static final List<String> FULL_CHECK =
      List.of(
          "connect",
          "hostKeyFingerprint",
          "probeFacts",
          "ensureWorkDir",
          "writeIfupScript",
          "setUpNetwork",
          "cachedImages");
  static final List<String> READY_CONDITIONS =
      List.of(
          "SpecValid=True/Valid",
          "Reachable=True/Connected",
          "HostKeyVerified=True/Verified",
          "VirtualizationSupported=False/TcgOnly",
          "ModulesLoaded=True/TcgOnly",
          "NetworkReady=True/BridgeFound",
          "Ready=True/Ready");
  static final Optional<Duration> INTERVAL = Optional.of(Duration.ofSeconds(10));

  static Stream<Row> rows() {
    return Stream.of(
        // --- a reconcile from no status: the first step that stops decides the phase ---------
        row("spec invalid: Failed, nothing on the host, no recheck until an edit")
            .spec(s -> s.port = 70000)
            .expect(Failed, "InvalidSpec")
            .conditions("SpecValid=False/InvalidSpec", "Ready=False/InvalidSpec")
            .verbs()
            .events("Warning InvalidSpec")
            .recheck(Optional.empty()),
        row("pool of 2^20 addresses: Failed, SpecValid=False naming the fields and the limit")
            .spec(
                s -> {
                  for (int i = 0; i < 16; i++) {
                    var r = new dev.kvmop.api.AddressRange();
                    r.first = "10." + (16 + i) + ".0.0";
                    r.last = "10." + (16 + i) + ".255.255";
                    s.addressRanges.add(r);
                  }
                })
            .expect(Failed, "InvalidSpec")
            .conditions("SpecValid=False/InvalidSpec", "Ready=False/InvalidSpec")
            .verbs()
            .events("Warning InvalidSpec")
            .recheck(Optional.empty())
            .check(
                r ->
                    assertThat(r.events)
                        .anyMatch(
                            e ->
                                e.contains(
                                    "spec.addresses and spec.addressRanges: 1048576 addresses in"
                                        + " all, at most 65536 allowed"))),
        row("workDir /usr: Failed, SpecValid names spec.workDir, nothing on the host")
            .spec(s -> s.workDir = "/usr")
            .expect(Failed, "InvalidSpec")
            .conditions("SpecValid=False/InvalidSpec", "Ready=False/InvalidSpec")
            .verbs()
            .check(r -> assertThat(specValidMessage(r)).contains("spec.workDir: /usr is a system"))
            .recheck(Optional.empty()),
        row("workDir /var/lib: Failed, SpecValid names spec.workDir, nothing on the host")
            .spec(s -> s.workDir = "/var/lib")
            .expect(Failed, "InvalidSpec")
            .conditions("SpecValid=False/InvalidSpec", "Ready=False/InvalidSpec")
            .verbs()
            .check(r -> assertThat(specValidMessage(r)).contains("spec.workDir: /var/lib is a"))
            .recheck(Optional.empty()),
        row("Secret missing: Pending")
            .given(r -> r.secret = null)
            .expect(Pending, "SecretNotFound")
            .conditions("SpecValid=True/Valid", "Reachable=False/SecretNotFound")
            .verbs()
            .events("Normal SecretNotFound"),
        row("Secret without ssh-privatekey: Pending")
            .given(r -> r.secret = new SecretBuilder().withNewMetadata().endMetadata().build())
            .expect(Pending, "SecretKeyMissing")
            .conditions("Reachable=False/SecretKeyMissing", "Ready=False/SecretKeyMissing")
            .verbs(),
        row("connect fails: Unreachable")
            .given(r -> fake(r).connectFailure = failure(HostException.Reason.Unreachable))
            .expect(Unreachable, "Unreachable")
            .conditions("Reachable=False/Unreachable", "Ready=False/Unreachable")
            .verbs("connect")
            .events("Warning Unreachable"),
        row("facts time out: Unreachable")
            .given(r -> r.agents.fail("probeFacts", failure(HostException.Reason.Timeout)))
            .expect(Unreachable, "Timeout")
            .conditions("HostKeyVerified=True/Verified", "Reachable=False/Timeout")
            .verbs("connect", "hostKeyFingerprint", "probeFacts"),
        row("a command of the full check fails: Unreachable")
            .given(r -> r.agents.fail("ensureWorkDir", failure(HostException.Reason.CommandFailed)))
            .expect(Unreachable, "CommandFailed")
            .conditions("Reachable=False/CommandFailed")
            .verbs("connect", "hostKeyFingerprint", "probeFacts", "ensureWorkDir"),
        row("workDir claimed by another KvmHost: Failed WorkDirClaimed, Reachable stays True")
            .given(
                r ->
                    fake(r).workDirRefusal =
                        WorkDirClaim.refused(
                            WorkDirClaim.Refusal.WorkDirClaimed,
                            "/srv/kvm belongs to another KvmHost (uid u-1, see"
                                + " /srv/kvm/.kvmop-owner)"))
            .expect(Failed, "WorkDirClaimed")
            .conditions("Reachable=True/Connected", "Ready=False/WorkDirClaimed")
            .verbs("connect", "hostKeyFingerprint", "probeFacts", "ensureWorkDir")
            .events("Warning WorkDirClaimed")
            .recheck(INTERVAL)
            .check(
                r ->
                    assertThat(readyMessage(r))
                        .contains("belongs to another KvmHost (uid u-1")
                        .contains("give this KvmHost its own spec.workDir")),
        row("workDir refused by the host as a system directory: Failed SystemDirectory")
            .given(
                r ->
                    fake(r).workDirRefusal =
                        WorkDirClaim.refused(
                            WorkDirClaim.Refusal.SystemDirectory,
                            "refusing system directory /srv as workDir"))
            .expect(Failed, "SystemDirectory")
            .conditions("Reachable=True/Connected", "Ready=False/SystemDirectory")
            .verbs("connect", "hostKeyFingerprint", "probeFacts", "ensureWorkDir"),
        row("host key mismatch: Failed")
            .given(r -> fake(r).connectFailure = failure(HostException.Reason.HostKeyMismatch))
            .expect(Failed, "HostKeyMismatch")
            .conditions("HostKeyVerified=False/HostKeyMismatch", "Reachable=False/HostKeyMismatch")
            .verbs("connect")
            .events("Warning HostKeyMismatch"),
        row("key refused: Failed")
            .given(r -> fake(r).connectFailure = failure(HostException.Reason.AuthenticationFailed))
            .expect(Failed, "AuthenticationFailed")
            .conditions("Reachable=False/AuthenticationFailed")
            .verbs("connect"),
        row("key unreadable: Failed, naming the Secret")
            .given(r -> fake(r).connectFailure = failure(HostException.Reason.InvalidCredentials))
            .expect(Failed, "InvalidCredentials")
            .message("spec.credentialsSecretRef: Secret node-ssh: ")
            .conditions("Reachable=False/InvalidCredentials")
            .verbs("connect"),
        row("no vmx/svm while required: Failed")
            .spec(s -> s.kvm.requireHardwareVirtualization = true)
            .expect(Failed, "NoHardwareVirtualization")
            .conditions("VirtualizationSupported=False/NoHardwareVirtualization")
            .verbs("connect", "hostKeyFingerprint", "probeFacts"),
        row("Builtin without /dev/kvm while required: Failed")
            .spec(s -> s.kvm.requireHardwareVirtualization = true)
            .given(r -> fake(r).facts.virtualization = "vmx")
            .expect(Failed, "NoKvmDevice")
            .conditions("VirtualizationSupported=True/CpuFlag", "ModulesLoaded=False/NoKvmDevice")
            .verbs("connect", "hostKeyFingerprint", "probeFacts"),
        row("qemu missing: Failed")
            .given(r -> fake(r).facts.qemuVersion = null)
            .expect(Failed, "QemuMissing")
            .conditions("Ready=False/QemuMissing")
            .verbs("connect", "hostKeyFingerprint", "probeFacts"),
        row("a TCG host: Ready after the full check, one status write")
            .expect(Ready, "Ready")
            .conditions(READY_CONDITIONS)
            .verbs(FULL_CHECK)
            .writes(1)
            .events("Normal Ready")
            .check(r -> assertThat(r.fakes.host(ADDRESS).dirs).containsExactly("/var/lib/kvmop"))
            .check(r -> assertThat(r.directory.get("default/h").orElseThrow().usable()).isTrue()),
        row("Builtin with /dev/kvm: Ready")
            .spec(s -> s.kvm.requireHardwareVirtualization = true)
            .given(r -> kvmDevice(fake(r)))
            .expect(Ready, "Ready")
            .conditions("VirtualizationSupported=True/CpuFlag", "ModulesLoaded=True/Builtin")
            .verbs(FULL_CHECK),
        row("network not ready: Ready, NetworkReady=False")
            .given(r -> fake(r).bridges.clear())
            .expect(Ready, "Ready")
            .conditions("NetworkReady=False/BridgeMissing", "Ready=True/Ready")
            .verbs(FULL_CHECK),
        row("managed bridge with DHCP: created, NetworkReady=True DhcpServing")
            .spec(HostLifecycleTest::managedDhcp)
            .given(r -> fake(r).bridges.clear())
            .expect(Ready, "Ready")
            .conditions("NetworkReady=True/DhcpServing", "Ready=True/Ready")
            .verbs(FULL_CHECK)
            .check(r -> assertThat(fake(r).createdBridges).containsExactly("br0")),
        row("managed bridge without DHCP: NetworkReady=True BridgeUp")
            .spec(s -> s.network.managed = true)
            .expect(Ready, "Ready")
            .conditions("NetworkReady=True/BridgeUp"),
        row("dnsmasq missing: Ready, NetworkReady=False naming the package")
            .spec(HostLifecycleTest::managedDhcp)
            .given(r -> fake(r).networkProblem = NetworkState.Problem.DnsmasqMissing)
            .expect(Ready, "Ready")
            .conditions("NetworkReady=False/DnsmasqMissing", "Ready=True/Ready")
            .verbs(FULL_CHECK),
        row("another KvmHost manages the bridge: BridgeConflict, the network left alone")
            .spec(HostLifecycleTest::managedDhcp)
            .given(r -> r.bridgeManagedBy = "default/first")
            .expect(Ready, "Ready")
            .conditions("NetworkReady=False/BridgeConflict", "Ready=True/Ready")
            .verbs(
                "connect",
                "hostKeyFingerprint",
                "probeFacts",
                "ensureWorkDir",
                "writeIfupScript",
                "cachedImages")
            .check(
                r ->
                    assertThat(conditionMessage(r, "NetworkReady"))
                        .contains(
                            "KvmHost default/first already manages bridge br0 on 10.0.0.5:22")),
        row("Modprobe: the vendor module loaded, version reported")
            .spec(s -> s.kvm.modules = ModulesMode.Modprobe)
            .given(r -> fake(r).facts.virtualization = "svm")
            .expect(Ready, "Ready")
            .conditions("ModulesLoaded=True/Modprobe")
            .verbs(
                "connect",
                "hostKeyFingerprint",
                "probeFacts",
                "ensureWorkDir",
                "loadedModules",
                "modprobe",
                "moduleVersion",
                "writeIfupScript",
                "setUpNetwork",
                "cachedImages")
            .check(r -> assertThat(r.status().modules.loadedByOperator).isTrue())
            .check(r -> assertThat(r.status().modules.version).isEqualTo("fake-1")),
        row("modprobe fails: Failed")
            .spec(s -> s.kvm.modules = ModulesMode.Modprobe)
            .given(r -> r.agents.fail("modprobe", failure(HostException.Reason.CommandFailed)))
            .expect(Failed, "ModprobeFailed")
            .conditions("ModulesLoaded=False/ModprobeFailed", "Ready=False/ModprobeFailed"),
        // --- modules Build -------------------------------------------------------------------
        row("Build: Provisioning while each step runs, on record at once; then Ready")
            .spec(HostLifecycleTest::build)
            .given(r -> fake(r).facts.virtualization = "vmx")
            .expect(Ready, "Ready")
            .conditions("ModulesLoaded=True/Built", "Ready=True/Ready")
            .verbs(
                concat(
                    List.of("connect", "hostKeyFingerprint", "probeFacts", "ensureWorkDir"),
                    List.of("sha256", "buildStamp"),
                    List.of("runBuildStep").stream().flatMap(v -> repeat(v, 6)).toList(),
                    List.of("loadedModules", "insmod", "insmod", "moduleVersion"),
                    List.of("writeIfupScript", "setUpNetwork", "cachedImages")))
            .writes(7)
            .events("Normal Verify", "Normal KvmBuilt", "Normal Ready")
            .check(r -> assertThat(r.writes.get(0).phase).isEqualTo(Provisioning))
            .check(
                r ->
                    assertThat(r.writes.stream().limit(6).map(HostLifecycleTest::modulesReason))
                        .containsExactly("Verify", "Unpack", "Clean", "Configure", "Make", "Stamp"))
            .check(r -> assertThat(r.status().modules.buildStamp).hasSize(64)),
        row("Build: a failed step is Failed <Step>Failed, nothing inserted")
            .spec(HostLifecycleTest::build)
            .given(r -> fake(r).failStep = "Configure")
            .expect(Failed, "ConfigureFailed")
            .conditions("ModulesLoaded=False/ConfigureFailed", "Ready=False/ConfigureFailed")
            .message("kvm build step Configure: Configure failed\nboom")
            .writes(5)
            .events("Normal Verify", "Warning ConfigureFailed")
            .check(r -> assertThat(r.agents.verbs).doesNotContain("insmod")),
        row("Build: the same failed attempt waits 5 minutes, quietly")
            .spec(HostLifecycleTest::build)
            .given(r -> fake(r).failStep = "Configure")
            .from(Failed, r -> r.clock.advance(Duration.ofSeconds(30)))
            .expect(Failed, "ConfigureFailed")
            .verbs("connect", "hostKeyFingerprint", "probeFacts", "ensureWorkDir", "sha256")
            .writes(0)
            .events(),
        row("Build: a failed attempt is tried again after 5 minutes")
            .spec(HostLifecycleTest::build)
            .given(r -> fake(r).failStep = "Configure")
            .from(Failed, r -> r.clock.advance(KvmBuild.BUILD_RETRY))
            .expect(Failed, "ConfigureFailed")
            .check(r -> assertThat(r.agents.verbs).contains("runBuildStep")),
        row("Build: a changed spec is tried at once and recovers")
            .spec(HostLifecycleTest::build)
            .given(r -> fake(r).failStep = "Configure")
            .from(
                Failed,
                r -> {
                  fake(r).failStep = null;
                  editSpec(r, s -> s.kvm.build.configureFlags = new ArrayList<>(List.of("--x")));
                })
            .expect(Ready, "Ready")
            .events("Normal Verify", "Normal KvmBuilt", "Normal Ready"),
        row("Build: the source's sha256 cannot be read: Failed VerifyFailed")
            .spec(HostLifecycleTest::build)
            .given(r -> r.agents.fail("sha256", new BuildException("Verify", "no such file", "")))
            .expect(Failed, "VerifyFailed")
            .conditions("ModulesLoaded=False/VerifyFailed")
            .verbs("connect", "hostKeyFingerprint", "probeFacts", "ensureWorkDir", "sha256"),
        row("Build: insmod of the vendor module fails: kvm is taken out again")
            .spec(HostLifecycleTest::build)
            .given(
                r -> {
                  fake(r).facts.virtualization = "vmx";
                  r.agents.fail("insmod", "kvm-intel", failure(HostException.Reason.CommandFailed));
                })
            .expect(Failed, "InsmodFailed")
            .conditions("ModulesLoaded=False/InsmodFailed")
            .check(
                r ->
                    assertThat(tail(r.agents.verbs, 3))
                        .containsExactly("insmod", "insmod", "rmmod"))
            .check(r -> assertThat(r.fakes.host(ADDRESS).modules).isEmpty()),
        row("Build: a rebuild for a changed spec waits while a guest runs")
            .spec(HostLifecycleTest::build)
            .given(r -> fake(r).facts.virtualization = "vmx")
            .from(
                Ready,
                r -> {
                  r.guests.add(runningGuest("vm-a"));
                  editSpec(r, s -> s.kvm.build.configureFlags = new ArrayList<>(List.of("--new")));
                })
            .expect(Ready, "Ready")
            .conditions("ModulesLoaded=True/WaitingForIdle", "Ready=True/Ready")
            .check(
                r -> assertThat(r.agents.verbs).contains("runBuildStep").doesNotContain("rmmod")),
        row("Build: a rebuild is swapped in once no guest runs")
            .spec(HostLifecycleTest::build)
            .given(r -> fake(r).facts.virtualization = "vmx")
            .from(
                Ready,
                r -> editSpec(r, s -> s.kvm.build.configureFlags = new ArrayList<>(List.of("--n"))))
            .expect(Ready, "Ready")
            .conditions("ModulesLoaded=True/Built")
            .check(
                r ->
                    assertThat(r.agents.verbs.stream().filter(v -> v.endsWith("mod")))
                        .containsExactly("rmmod", "rmmod", "insmod", "insmod")),
        row("Build: old modules in use block the swap: Provisioning ModulesInUse")
            .spec(HostLifecycleTest::build)
            .given(r -> fake(r).facts.virtualization = "vmx")
            .from(
                Ready,
                r -> {
                  fake(r).modules.put("kvm", 1);
                  editSpec(r, s -> s.kvm.build.configureFlags = new ArrayList<>(List.of("--n")));
                })
            .expect(Provisioning, "ModulesInUse")
            .conditions("ModulesLoaded=False/ModulesInUse", "Ready=False/ModulesInUse")
            .events("Normal Verify", "Normal KvmBuilt"),
        row("Build with the built qemu: probed again at its path")
            .spec(s -> build(s).qemu.binary = "")
            .expect(Ready, "Ready")
            .check(
                r -> assertThat(r.agents.verbs.stream().filter("probeFacts"::equals)).hasSize(2)),
        row("Build with the built qemu, which does not run: Failed QemuMissing")
            .spec(s -> build(s).qemu.binary = "")
            .given(r -> fake(r).facts.qemuVersion = null)
            .expect(Failed, "QemuMissing")
            .message("the kvm build has no runnable qemu at /var/lib/kvmop/build/"),
        // --- from a previous phase -----------------------------------------------------------
        row("Ready and steady: the guest probe vouches, no full check, no write")
            .from(Ready, r -> steadyAfter(r, Duration.ofSeconds(10)))
            .expect(Ready, "Ready")
            .verbs("connect", "hostKeyFingerprint")
            .writes(0)
            .events()
            .check(r -> assertThat(r.status().lastProbeTime).isEqualTo(HostRounds.T0.toString())),
        row("Ready and steady: lastProbeTime is refreshed once a minute")
            .from(Ready, r -> steadyAfter(r, Duration.ofSeconds(70)))
            .expect(Ready, "Ready")
            .verbs("connect", "hostKeyFingerprint")
            .writes(1)
            .check(
                r ->
                    assertThat(r.status().lastProbeTime)
                        .isEqualTo(HostRounds.T0.plusSeconds(69).toString())),
        row("Ready, probe stale: a full check that changes nothing writes nothing")
            .from(
                Ready,
                r -> {
                  r.clock.advance(Duration.ofSeconds(30));
                  r.probed(Duration.ofSeconds(25), "boot-1");
                })
            .expect(Ready, "Ready")
            .verbs(FULL_CHECK)
            .writes(0),
        row("Ready with DHCP, steady: the probe's network status vouches too")
            .spec(HostLifecycleTest::managedDhcp)
            .from(Ready, r -> steadyAfter(r, Duration.ofSeconds(10)))
            .expect(Ready, "Ready")
            .verbs("connect", "hostKeyFingerprint")
            .writes(0),
        row("Ready with DHCP, dnsmasq died: the probe shows it, a full check restarts it")
            .spec(HostLifecycleTest::managedDhcp)
            .from(
                Ready,
                r -> {
                  fake(r).networkStatus = "link=bridge up=1 gateway=set dhcp=stopped";
                  steadyAfter(r, Duration.ofSeconds(10));
                })
            .expect(Ready, "Ready")
            .conditions("NetworkReady=True/DhcpServing")
            .verbs(FULL_CHECK)
            .check(r -> assertThat(fake(r).networkStatus).endsWith("dhcp=running")),
        row("dnsmasq missing: not steady, every reconcile checks fully until it is installed")
            .spec(HostLifecycleTest::managedDhcp)
            .given(r -> fake(r).networkProblem = NetworkState.Problem.DnsmasqMissing)
            .from(
                Ready,
                r -> {
                  fake(r).networkProblem = null;
                  steadyAfter(r, Duration.ofSeconds(10));
                })
            .expect(Ready, "Ready")
            .conditions("NetworkReady=True/DhcpServing")
            .verbs(FULL_CHECK),
        row("BridgeConflict: not steady, the network is set up once the other host is gone")
            .spec(HostLifecycleTest::managedDhcp)
            .given(r -> r.bridgeManagedBy = "default/first")
            .from(
                Ready,
                r -> {
                  r.bridgeManagedBy = null;
                  steadyAfter(r, Duration.ofSeconds(10));
                })
            .expect(Ready, "Ready")
            .conditions("NetworkReady=True/DhcpServing")
            .verbs(FULL_CHECK),
        row("Ready, host rebooted: a full check")
            .from(
                Ready,
                r -> {
                  r.clock.advance(Duration.ofSeconds(10));
                  fake(r).reboot();
                  r.probed(Duration.ofSeconds(1), fake(r).bootId());
                })
            .expect(Ready, "Ready")
            .verbs(FULL_CHECK)
            .check(r -> assertThat(r.status().facts.bootId).isEqualTo("boot-2")),
        row("Ready -> Unreachable: connection lost")
            .from(Ready, r -> fake(r).connectFailure = failure(HostException.Reason.Unreachable))
            .expect(Unreachable, "Unreachable")
            .events("Warning Unreachable"),
        row("Unreachable -> Ready: answers again")
            .given(r -> fake(r).connectFailure = failure(HostException.Reason.Unreachable))
            .from(Unreachable, r -> fake(r).connectFailure = null)
            .expect(Ready, "Ready")
            .conditions(READY_CONDITIONS)
            .events("Normal Ready"),
        row("Failed -> Ready: the host is fixed")
            .given(r -> fake(r).facts.qemuVersion = null)
            .from(Failed, r -> fake(r).facts = dev.kvmop.testing.FakeHostAgents.tcgFacts())
            .expect(Ready, "Ready")
            .conditions(READY_CONDITIONS),
        row("Failed -> Ready: the spec is fixed")
            .spec(s -> s.port = 70000)
            .from(Failed, r -> editSpec(r, s -> s.port = 22))
            .expect(Ready, "Ready")
            .conditions(READY_CONDITIONS)
            .recheck(INTERVAL),
        row("Pending -> Ready: the Secret appears")
            .given(r -> r.secret = null)
            .from(Pending, r -> r.secret = keySecret())
            .expect(Ready, "Ready")
            .check(r -> assertThat(r.fakes.host(ADDRESS).lastPrivateKey).isEqualTo("PRIVATE")),
        // --- deletion ------------------------------------------------------------------------
        row("deleted with guests: Terminating GuestsRemain, on record, again in 5 s")
            .from(
                Ready,
                r -> {
                  r.guests.add(runningGuest("vm-b"));
                  r.guests.add(runningGuest("vm-a"));
                })
            .deleted(Optional.of(HostDeletion.GUESTS_RECHECK))
            .expect(Terminating, "GuestsRemain")
            .message("waiting for KvmGuests to be deleted: vm-a, vm-b")
            .conditions("Ready=False/GuestsRemain")
            .verbs()
            .writes(1)
            .events("Normal GuestsRemain"),
        row("deleted, cleanup fails: Terminating with the host's reason, again in 10 s")
            .from(Ready, r -> fake(r).connectFailure = failure(HostException.Reason.Unreachable))
            .deleted(Optional.of(HostDeletion.CLEANUP_RETRY))
            .expect(Terminating, "Unreachable")
            .message("cleanup on the host failed, retrying: ")
            .verbs("connect")
            .writes(1),
        row("deleted, host silent for 5 minutes: released with a Warning")
            .from(
                Ready,
                r -> {
                  fake(r).connectFailure = failure(HostException.Reason.Unreachable);
                  r.onRecord.getMetadata().setDeletionTimestamp(HostRounds.T0.toString());
                  r.clock.advance(HostDeletion.UNREACHABLE_DELETE_GRACE);
                })
            .deleted(Optional.empty())
            .verbs("connect", "forget")
            .events("Warning CleanupAbandoned")
            .check(r -> assertThat(r.directory.get("default/h")).isEmpty()),
        row("deleted: the modules it loaded unloaded, workDir removed, released")
            .spec(s -> s.kvm.modules = ModulesMode.Modprobe)
            .given(r -> fake(r).facts.virtualization = "vmx")
            .from(Ready, r -> {})
            .deleted(Optional.empty())
            .verbs(
                "connect",
                "loadedModules",
                "rmmod",
                "rmmod",
                "tearDownNetwork",
                "removeWorkDir",
                "forget")
            .events()
            .check(r -> assertThat(r.fakes.host(ADDRESS).dirs).isEmpty())
            .check(r -> assertThat(r.fakes.host(ADDRESS).modules).isEmpty()),
        row("deleted: modules in use stay loaded, with an Event")
            .spec(s -> s.kvm.modules = ModulesMode.Modprobe)
            .given(r -> fake(r).facts.virtualization = "vmx")
            .from(Ready, r -> fake(r).modules.put("kvm", 1))
            .deleted(Optional.empty())
            .verbs(
                "connect", "loadedModules", "rmmod", "tearDownNetwork", "removeWorkDir", "forget")
            .events("Normal ModulesKept")
            .check(r -> assertThat(r.fakes.host(ADDRESS).modules).containsOnlyKeys("kvm")),
        row("deleted: the bridge it created is removed with its network")
            .spec(HostLifecycleTest::managedDhcp)
            .given(r -> fake(r).bridges.clear())
            .from(Ready, r -> {})
            .deleted(Optional.empty())
            .verbs("connect", "tearDownNetwork", "removeWorkDir", "forget")
            .check(r -> assertThat(fake(r).bridges).isEmpty()),
        row("deleted: a bridge it found stays")
            .spec(HostLifecycleTest::managedDhcp)
            .from(Ready, r -> {})
            .deleted(Optional.empty())
            .check(r -> assertThat(fake(r).bridges).containsExactly("br0")),
        row("deleted with an invalid spec: nothing done on the host")
            .spec(s -> s.port = 70000)
            .from(Failed, r -> {})
            .deleted(Optional.empty())
            .verbs("forget"),
        row("still Terminating while guests remain: nothing written again")
            .from(Ready, r -> r.guests.add(runningGuest("vm-a")))
            .deletedTwice()
            .deleted(Optional.of(HostDeletion.GUESTS_RECHECK))
            .expect(Terminating, "GuestsRemain")
            .writes(0)
            .events(),
        deletedWithGuests(Pending, r -> r.secret = null),
        deletedWithGuests(
            Unreachable, r -> fake(r).connectFailure = failure(HostException.Reason.Unreachable)),
        deletedWithGuests(Failed, r -> fake(r).facts.qemuVersion = null),
        deletedWithGuests(Provisioning, HostLifecycleTest::oldModulesInUse));
  }

  /** Rows that need more than one step of setup. */
  static Stream<Row> moreRows() {
    return Stream.of(
        row("Provisioning -> Ready: the old modules are free at last")
            .spec(HostLifecycleTest::build)
            .given(HostLifecycleTest::oldModulesInUse)
            .from(Provisioning, r -> fake(r).modules.put("kvm", 0))
            .expect(Ready, "Ready")
            .conditions("ModulesLoaded=True/Built", "Ready=True/Ready")
            .events("Normal Ready")
            .check(
                r ->
                    assertThat(r.agents.verbs.stream().filter(v -> v.endsWith("mod")))
                        .containsExactly("rmmod", "insmod", "insmod")),
        row("Ready and steady, a guest came: the image cache is swept, LRU unused images go")
            .spec(s -> s.imageCache.maxSize = "250")
            .from(Ready, HostLifecycleTest::cacheOverItsSize)
            .expect(Ready, "Ready")
            .verbs("connect", "hostKeyFingerprint", "cachedImages", "evictImages")
            .writes(1)
            .events("Normal ImagesEvicted")
            .check(r -> assertThat(fake(r).disks.cache).containsOnlyKeys("used", "wanted", "new"))
            .check(r -> assertThat(r.status().imageCache.images).isEqualTo(3))
            .check(r -> assertThat(r.status().imageCache.bytes).isEqualTo(300)),
        row("Ready and steady, swept and nothing changed since: no sweep")
            .spec(s -> s.imageCache.maxSize = "250")
            .from(
                Ready,
                r -> {
                  cacheOverItsSize(r);
                  r.reconcile();
                  steadyAfter(r, Duration.ofSeconds(1));
                })
            .expect(Ready, "Ready")
            .verbs("connect", "hostKeyFingerprint")
            .writes(0),
        row("Provisioning -> Unreachable: the host stops answering during a build step")
            .spec(HostLifecycleTest::build)
            .given(r -> r.agents.fail("runBuildStep", failure(HostException.Reason.Unreachable)))
            .expect(Unreachable, "Unreachable")
            .writes(2)
            .events("Normal Verify", "Warning Unreachable"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource({"rows", "moreRows"})
  void row(Row row) {
    TestObjects.HostBuilder builder = TestObjects.host("h").at(ADDRESS).spec(row.spec);
    KvmHost host = builder.build();
    host.getMetadata().setUid("uid-h");
    host.getMetadata().setGeneration(1L);
    HostRounds r = new HostRounds(host);
    r.secret = keySecret();
    row.given.accept(r);
    if (row.from != null) {
      r.reconcile();
      assertThat(r.status().phase).as("phase before the change").isEqualTo(row.from);
      row.change.accept(r);
    }
    if (row.deletedTwice) {
      r.delete();
    }
    r.events.clear();
    if (row.deleted == null) {
      HostLifecycle.Result result = r.reconcile();
      assertThat(result.outcome().phase()).as("outcome").isEqualTo(row.phase);
      assertThat(result.outcome().reason()).as("reason").isEqualTo(row.reason);
      assertThat(result.recheckAfter()).as("recheck").isEqualTo(row.recheck);
      assertThat(result.outcome().message()).as("message").contains(row.message);
    } else {
      HostDeletion.Result result = r.delete();
      assertThat(result)
          .as("deletion")
          .isEqualTo(
              row.deleted
                  .<HostDeletion.Result>map(HostDeletion.Result.Wait::new)
                  .orElse(new HostDeletion.Result.Released()));
      assertThat(readyMessage(r)).as("Ready message").contains(row.message);
    }
    if (row.phase != null) {
      assertThat(r.status().phase).as("phase on record").isEqualTo(row.phase);
    }
    assertThat(conditions(r)).as("conditions").containsAll(row.conditions);
    if (row.verbs != null) {
      assertThat(r.agents.verbs).as("host verbs").containsExactlyElementsOf(row.verbs);
    }
    if (row.writes != null) {
      assertThat(r.writes).as("status writes").hasSize(row.writes);
    }
    if (row.events != null) {
      assertThat(r.events.stream().map(e -> e.substring(0, e.indexOf(':'))))
          .as("events")
          .containsExactlyElementsOf(row.events);
    }
    row.checks.forEach(c -> c.accept(r));
  }

  // --- the row builder -----------------------------------------------------------------------

  static Row row(String name) {
    return new Row(name);
  }

  /** One row of the table; unset expectations are not checked. */
  static final class Row {
    final String name;
    Consumer<KvmHostSpec> spec = s -> {};
    Consumer<HostRounds> given = r -> {};
    HostPhase from;
    Consumer<HostRounds> change = r -> {};
    Optional<Duration> deleted;
    boolean deletedTwice;
    HostPhase phase;
    String reason;
    String message = "";
    List<String> conditions = List.of();
    List<String> verbs;
    Integer writes;
    List<String> events;
    Optional<Duration> recheck = INTERVAL;
    final List<Consumer<HostRounds>> checks = new ArrayList<>();

    Row(String name) {
      this.name = name;
    }

    Row spec(Consumer<KvmHostSpec> spec) {
      this.spec = spec;
      return this;
    }

    /** The world before the first reconcile: Secret, fake host, injected failures, guests. */
    Row given(Consumer<HostRounds> given) {
      this.given = given;
      return this;
    }

    /** A first reconcile arrives at {@code phase}; then {@code change} happens. */
    Row from(HostPhase phase, Consumer<HostRounds> change) {
      this.from = phase;
      this.change = change;
      return this;
    }

    /** The host is deleted; the deletion waits this long, or (empty) releases it. */
    Row deleted(Optional<Duration> waits) {
      this.deleted = waits;
      return this;
    }

    /** The deletion under test is the second one. */
    Row deletedTwice() {
      this.deletedTwice = true;
      return this;
    }

    Row expect(HostPhase phase, String reason) {
      this.phase = phase;
      this.reason = reason;
      return this;
    }

    Row message(String part) {
      this.message = part;
      return this;
    }

    Row conditions(String... conditions) {
      return conditions(List.of(conditions));
    }

    Row conditions(List<String> conditions) {
      this.conditions = conditions;
      return this;
    }

    Row verbs(String... verbs) {
      return verbs(List.of(verbs));
    }

    Row verbs(List<String> verbs) {
      this.verbs = verbs;
      return this;
    }

    Row writes(int writes) {
      this.writes = writes;
      return this;
    }

    Row events(String... events) {
      this.events = List.of(events);
      return this;
    }

    Row recheck(Optional<Duration> recheck) {
      this.recheck = recheck;
      return this;
    }

    Row check(Consumer<HostRounds> check) {
      checks.add(check);
      return this;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  // --- helpers -------------------------------------------------------------------------------

  /** A host in {@code phase} is deleted while a guest still names it. */
  static Row deletedWithGuests(HostPhase phase, Consumer<HostRounds> given) {
    return row("deleted while " + phase + ": Terminating GuestsRemain")
        .spec(phase == Provisioning ? HostLifecycleTest::build : s -> {})
        .given(given)
        .from(phase, r -> r.guests.add(runningGuest("vm-a")))
        .deleted(Optional.of(HostDeletion.GUESTS_RECHECK))
        .expect(Terminating, "GuestsRemain")
        .verbs()
        .writes(1)
        .events("Normal GuestsRemain");
  }

  /**
   * On record: kvm built by the operator from another stamp; on the host: its modules loaded, kvm
   * used by something else. A reconcile rebuilds and cannot swap: Provisioning ModulesInUse.
   */
  static void oldModulesInUse(HostRounds r) {
    fake(r).facts.virtualization = "vmx";
    fake(r).modules.put("kvm", 1);
    fake(r).modules.put("kvm_intel", 0);
    KvmHostStatus previous = new KvmHostStatus();
    previous.modules = new KvmHostStatus.ModulesStatus();
    previous.modules.buildStamp = "f".repeat(64);
    previous.modules.loadedByOperator = true;
    r.onRecord.setStatus(previous);
  }

  static FakeHost fake(HostRounds r) {
    return r.fakes.host(ADDRESS);
  }

  static HostException failure(HostException.Reason reason) {
    return new HostException(reason, "injected " + reason);
  }

  static io.fabric8.kubernetes.api.model.Secret keySecret() {
    return SshKeys.secret("node-ssh", "PRIVATE", null);
  }

  static void kvmDevice(FakeHost fake) {
    fake.facts.virtualization = "vmx";
    fake.facts.kvmDevice = true;
  }

  /** Modules Build from a tarball already on the host (no Fetch step). */
  static KvmHostSpec build(KvmHostSpec s) {
    s.kvm.modules = ModulesMode.Build;
    s.kvm.build = new KvmHostSpec.Build();
    s.kvm.build.source = new KvmHostSpec.Source();
    s.kvm.build.source.hostPath = "/srv/kvm.tgz";
    return s;
  }

  /** The user edits the spec: the API server bumps the generation. */
  static void editSpec(HostRounds r, Consumer<KvmHostSpec> edit) {
    edit.accept(r.onRecord.getSpec());
    r.onRecord.getMetadata().setGeneration(r.onRecord.getMetadata().getGeneration() + 1);
  }

  /** Time passes; the guest probe heard the host, same boot, a second ago. */
  static void managedDhcp(KvmHostSpec s) {
    s.network.managed = true;
    s.network.dhcp = true;
    s.network.gateway = "10.0.0.1/24";
  }

  static String conditionMessage(HostRounds r, String type) {
    return dev.kvmop.controller.StatusConditions.find(r.status().conditions, type)
        .orElseThrow()
        .getMessage();
  }

  static void steadyAfter(HostRounds r, Duration passed) {
    r.clock.advance(passed);
    r.probed(Duration.ofSeconds(1), "boot-1");
  }

  /**
   * Four images of 100 bytes in a cache of at most 250: one a guest disk uses, one a new guest's
   * spec names, one used a minute ago, and the least recently used one that must go.
   */
  static void cacheOverItsSize(HostRounds r) {
    steadyAfter(r, Duration.ofSeconds(10));
    var disks = fake(r).disks;
    for (String sha : List.of("used", "wanted", "new", "old")) {
      disks.cache.put(sha, new dev.kvmop.testing.FakeDisks.Image(sha, 100, 100));
    }
    disks.lastUsed.put("used", r.clock.instant().minus(Duration.ofDays(9)));
    disks.lastUsed.put("wanted", r.clock.instant().minus(Duration.ofDays(8)));
    disks.lastUsed.put("old", r.clock.instant().minus(Duration.ofDays(2)));
    disks.lastUsed.put("new", r.clock.instant().minus(Duration.ofMinutes(1)));
    disks.guestDisks.put("/var/lib/kvmop/guests/default_vm-a_u", new java.util.HashMap<>());
    disks.guestDisks.get("/var/lib/kvmop/guests/default_vm-a_u").put(0, "image used qcow2");
    KvmGuest g = runningGuest("vm-b");
    g.getMetadata().setUid("uid-vm-b");
    g.getSpec().disks.add(new dev.kvmop.api.KvmGuestSpec.Disk());
    g.getSpec().disks.get(0).image = new dev.kvmop.api.KvmGuestSpec.Image();
    g.getSpec().disks.get(0).image.sha256 = "wanted";
    r.guests.add(g);
  }

  static KvmGuest runningGuest(String name) {
    KvmGuest g = TestObjects.guest(name).on("h").build();
    g.setStatus(new KvmGuestStatus());
    g.getStatus().phase = GuestPhase.Running;
    return g;
  }

  static List<String> conditions(HostRounds r) {
    return r.status().conditions.stream()
        .map(c -> c.getType() + "=" + c.getStatus() + "/" + c.getReason())
        .toList();
  }

  static String readyMessage(HostRounds r) {
    return r.status().conditions.stream()
        .filter(c -> c.getType().equals("Ready"))
        .map(c -> c.getMessage())
        .findFirst()
        .orElse("");
  }

  static String modulesReason(dev.kvmop.api.KvmHostStatus s) {
    return s.conditions.stream()
        .filter(c -> c.getType().equals("ModulesLoaded"))
        .map(c -> c.getReason())
        .findFirst()
        .orElse("");
  }

  @SafeVarargs
  static List<String> concat(List<String>... parts) {
    return Stream.of(parts).flatMap(List::stream).toList();
  }

  static Stream<String> repeat(String s, int n) {
    return Stream.generate(() -> s).limit(n);
  }

  static List<String> tail(List<String> list, int n) {
    return list.subList(Math.max(0, list.size() - n), list.size());
  }

  static String specValidMessage(HostRounds r) {
    return r.writes.get(r.writes.size() - 1).conditions.stream()
        .filter(c -> "SpecValid".equals(c.getType()))
        .map(c -> c.getMessage())
        .findFirst()
        .orElse("");
  }
}
