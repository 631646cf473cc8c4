package dev.kvmop.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.HostKeyPolicy;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.local.LocalApiServer;
import dev.kvmop.testing.SshKeys;
import dev.kvmop.testing.TestObjects;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the command line reads before it connects, against the embedded API: the guest, its host
 * (where the operator placed it), the Secret, and a host key to verify; each missing piece is one
 * clear line.
 */
class GuestLookupTest {
  static final String KEY_LINE =
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKq3dWz7r4cYt2m2I7rMEn0m1y5f9V8y1D3S0k2m7x1a";
  static LocalApiServer api;
  static KubernetesClient client;
  static GuestLookup lookup;

  @BeforeAll
  static void start() {
    api = LocalApiServer.start(0);
    api.installBundledCrds();
    client = api.client();
    lookup = new GuestLookup(client);
    client
        .resource(SshKeys.secret("node-ssh", SshKeys.generate("ed25519").privateKey(), null))
        .inNamespace("default")
        .create();
    client.resource(host("node").build()).create();
    client.resource(host("tofu").trustOnFirstUse().build()).create();
    client.resource(host("nosecret").secret("missing").build()).create();
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  static TestObjects.HostBuilder host(String name) {
    return TestObjects.host(name).at("192.0.2.7", 2222).hostKey(KEY_LINE).workDir("/srv/kvm");
  }

  @Test
  void aGuestOnItsHostIsReachedWithTheSecretAndThePinnedKey() throws Exception {
    KvmGuest g = create(TestObjects.guest("vm").on("node").build(), GuestPhase.Running, null);
    GuestOnHost found = lookup.find("default", "vm");
    assertThat(found.guest()).isEqualTo("default/vm");
    assertThat(found.host()).isEqualTo("default/node");
    assertThat(found.phase()).isEqualTo(GuestPhase.Running);
    assertThat(found.target().address()).isEqualTo("192.0.2.7");
    assertThat(found.target().port()).isEqualTo(2222);
    assertThat(found.target().policy()).isEqualTo(HostKeyPolicy.Pinned);
    assertThat(found.target().expectedHostKey()).isEqualTo(KEY_LINE);
    assertThat(found.target().privateKey()).contains("PRIVATE KEY");
    assertThat(found.guestDir())
        .isEqualTo("/srv/kvm/guests/default_vm_" + g.getMetadata().getUid());
    assertThat(found.toString()).doesNotContain("PRIVATE");
  }

  @Test
  void theHostTheOperatorPlacedTheGuestOnWins() throws Exception {
    create(TestObjects.guest("placed").on("ghost").build(), GuestPhase.Running, "node");
    assertThat(lookup.find("default", "placed").host()).isEqualTo("default/node");
  }

  @Test
  void missingPiecesAreOneLineEach() {
    create(TestObjects.guest("lost").on("ghost").build(), GuestPhase.Running, null);
    create(TestObjects.guest("nokey").on("tofu").build(), GuestPhase.Running, null);
    create(TestObjects.guest("nosecret").on("nosecret").build(), GuestPhase.Running, null);
    assertFails("nope", "kvmguest default/nope not found");
    assertFails("lost", "kvmhost default/ghost (the host of kvmguest default/lost) not found");
    assertFails(
        "nosecret",
        "kvmhost default/nosecret: Secret missing (spec.credentialsSecretRef) not found among the"
            + " Secrets labelled kvmop.dev/ssh-credentials=true: create it, or add the label (the"
            + " operator watches only labelled Secrets)");
    assertFails(
        "nokey",
        "kvmhost default/tofu has no host key to verify it by yet (spec.hostKey is empty and the"
            + " operator has not recorded one)");
  }

  @Test
  void theConsoleNeedsAQemuThatMayRun() throws Exception {
    ConsoleCommand console = new ConsoleCommand();
    for (GuestPhase ok : new GuestPhase[] {GuestPhase.Running, GuestPhase.Unknown}) {
      console.check(new GuestOnHost("default/vm", "default/node", ok, null, "/d"));
    }
    assertThatThrownBy(
            () ->
                console.check(
                    new GuestOnHost("default/vm", "default/node", GuestPhase.Stopped, null, "/d")))
        .hasMessage("kvmguest default/vm is Stopped, not Running: no console to attach to");
    assertThatThrownBy(
            () -> console.check(new GuestOnHost("default/vm", "default/node", null, null, "/d")))
        .hasMessage(
            "kvmguest default/vm is not reconciled yet, not Running: no console to attach to");
  }

  static void assertFails(String guest, String message) {
    assertThatThrownBy(() -> lookup.find("default", guest))
        .isInstanceOf(CliException.class)
        .hasMessage(message);
  }

  static KvmGuest create(KvmGuest guest, GuestPhase phase, String placedOn) {
    KvmGuest created = client.resource(guest).create();
    created.setStatus(new KvmGuestStatus());
    created.getStatus().phase = phase;
    created.getStatus().host = placedOn;
    return client.resource(created).updateStatus();
  }
}
