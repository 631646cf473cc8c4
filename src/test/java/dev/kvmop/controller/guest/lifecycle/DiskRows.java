package dev.kvmop.controller.guest.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kvmop.api.Annotations;
import dev.kvmop.api.Conditions;
import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.KvmGuestSpec;
import dev.kvmop.api.NetworkType;
import dev.kvmop.api.ObjectRef;
import dev.kvmop.api.RunStrategy;
import dev.kvmop.controller.StatusConditions;
import dev.kvmop.testing.FakeDisks;
import dev.kvmop.testing.TestObjects;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * {@link GuestLifecycleTableTest}'s rows of guests with image and empty disks and a cloud-init
 * seed: waiting for base images, what a failed fetch says, the disks made right before a launch and
 * kept afterwards, reimage.
 */
final class DiskRows {
  static final String URL = "http://images.lab/base.qcow2";
  static final String SHA = "ab".repeat(32);
  static final String OTHER_SHA = "cd".repeat(32);
  static final String KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDiskRowsKey me@lab";
  static final String USER_DATA_MARK = "user-data-mark-4711";
  static final FakeDisks.Image BASE = new FakeDisks.Image(SHA, 1 << 20, 64L << 20);

  private DiskRows() {}

  static List<TableRow> rows() {
    return List.of(
        row("image disk not cached yet: waits in Scheduled while the host fetches it")
            .given(DiskRows::imageGuest)
            .edges("[*] --> Pending", "Pending --> Scheduled", "Scheduled --> Scheduled")
            .expect(GuestPhase.Scheduled)
            .conditions("DisksReady=False/Downloading", "Scheduled=True/Scheduled")
            .requeue(PrepareDisks.PROGRESS_REFRESH)
            .check(w -> assertThat(w.fetchJobs).hasSize(1))
            .check(w -> assertThat(message(w)).contains("spec.disks[0]: fetching " + URL))
            .check(w -> assertThat(w.events).anyMatch(e -> e.startsWith("Normal Downloading: "))),
        row("image fetched: disks made, seed written, launched")
            .given(DiskRows::imageGuest)
            .given(LifecycleWorld::reconcile)
            .when(LifecycleWorld::runFetches)
            .edges("Scheduled --> Starting", "Starting --> Running")
            .expect(GuestPhase.Running)
            .conditions("DisksReady=True/Prepared", "ProcessRunning=True/Started")
            .verbs("prepare", "launch")
            .check(DiskRows::madeFromTheSpec),
        row("checksum mismatch: nothing launched, the URL and both sums named")
            .given(w -> serve(w, new FakeDisks.Image(OTHER_SHA, 1 << 20, 64L << 20)))
            .given(DiskRows::imageGuest)
            .given(LifecycleWorld::reconcile)
            .when(LifecycleWorld::runFetches)
            .edges("Scheduled --> Scheduled")
            .expect(GuestPhase.Scheduled)
            .conditions("DisksReady=False/ChecksumMismatch")
            .requeue(Duration.ofMillis(10_200))
            .check(w -> assertThat(message(w)).contains(URL, OTHER_SHA, SHA))
            .check(w -> assertThat(w.events).anyMatch(e -> e.startsWith("Warning Checksum"))),
        row("the URL answers 404: DownloadFailed with the host's error, tried again later")
            .given(DiskRows::imageGuest)
            .given(w -> w.fake.disks.served.clear())
            .given(LifecycleWorld::reconcile)
            .when(LifecycleWorld::runFetches)
            .edges("Scheduled --> Scheduled")
            .conditions("DisksReady=False/DownloadFailed")
            .check(w -> assertThat(message(w)).contains("spec.disks[0].image.url", "404")),
        row("failed fetch, backoff over: fetched again")
            .given(DiskRows::imageGuest)
            .given(w -> w.fake.disks.served.clear())
            .given(LifecycleWorld::reconcile)
            .given(LifecycleWorld::runFetches)
            .given(LifecycleWorld::reconcile)
            .when(w -> serve(w, BASE))
            .when(w -> w.clock.advance(Duration.ofSeconds(11)))
            .edges("Scheduled --> Scheduled")
            .conditions("DisksReady=False/Downloading")
            .check(w -> assertThat(w.fetchJobs).hasSize(1)),
        row("the host has neither curl nor wget: DownloaderMissing")
            .given(DiskRows::imageGuest)
            .given(w -> w.fake.disks.noDownloader = true)
            .given(LifecycleWorld::reconcile)
            .when(LifecycleWorld::runFetches)
            .edges("Scheduled --> Scheduled")
            .conditions("DisksReady=False/DownloaderMissing")
            .check(w -> assertThat(message(w)).contains("curl", "wget")),
        row("image hostPath that does not exist: ImageNotFound")
            .given(DiskRows::imageGuest)
            .given(w -> image(w).url = null)
            .given(w -> image(w).hostPath = "/srv/img/none.qcow2")
            .given(LifecycleWorld::reconcile)
            .when(LifecycleWorld::runFetches)
            .edges("Scheduled --> Scheduled")
            .conditions("DisksReady=False/ImageNotFound")
            .check(w -> assertThat(message(w)).contains("spec.disks[0].image.hostPath")),
        row("size below the image's virtual size: Failed, SpecValid=False names the field")
            .given(DiskRows::imageGuest)
            .given(w -> w.guest.getSpec().disks.get(0).size = "1Mi")
            .given(LifecycleWorld::reconcile)
            .when(LifecycleWorld::runFetches)
            .edges("Scheduled --> Failed")
            .expect(GuestPhase.Failed)
            .conditions("SpecValid=False/InvalidSpec")
            .verbs("prepare")
            .check(w -> assertThat(specMessage(w)).contains("spec.disks[0].size: 1Mi", "64.0 MiB")),
        row("size below the image's, next reconcile: still invalid, nothing done")
            .given(DiskRows::tooSmall)
            .expect(GuestPhase.Failed)
            .conditions("SpecValid=False/InvalidSpec")
            .awaitEvent(),
        row("size below the image's, fixed: launched")
            .given(DiskRows::tooSmall)
            .when(w -> w.spec(s -> s.disks.get(0).size = "128Mi"))
            .edges("Failed --> Starting", "Starting --> Running")
            .expect(GuestPhase.Running)
            .conditions("SpecValid=True/Valid", "DisksReady=True/Prepared")
            .verbs("prepare", "launch"),
        row("userDataSecretRef names no Secret: waits in Scheduled (UserDataNotFound)")
            .given(DiskRows::userDataFromSecret)
            .edges("[*] --> Pending", "Pending --> Scheduled", "Scheduled --> Scheduled")
            .expect(GuestPhase.Scheduled)
            .conditions("DisksReady=False/UserDataNotFound")
            .requeue(DiskPreparation.USER_DATA_RETRY)
            .check(w -> assertThat(message(w)).contains("userDataSecretRef: Secret ud does not")),
        row("the Secret has no key userdata: UserDataNotFound names the key")
            .given(DiskRows::userDataFromSecret)
            .given(w -> w.secrets.put("ud", secret(Map.of("other", "x"))))
            .edges("[*] --> Pending", "Pending --> Scheduled", "Scheduled --> Scheduled")
            .conditions("DisksReady=False/UserDataNotFound")
            .check(w -> assertThat(message(w)).contains("no key userdata")),
        row("user-data in the Secret over 64 KiB: UserDataTooLarge")
            .given(DiskRows::userDataFromSecret)
            .given(w -> w.secrets.put("ud", secret(Map.of("userdata", "x".repeat(70_000)))))
            .edges("[*] --> Pending", "Pending --> Scheduled", "Scheduled --> Scheduled")
            .conditions("DisksReady=False/UserDataTooLarge")
            .check(w -> assertThat(message(w)).contains("70000 bytes")),
        row("user-data from the Secret: in the seed, never in status or Events")
            .given(DiskRows::userDataFromSecret)
            .given(w -> w.secrets.put("ud", secret(Map.of("userdata", userData()))))
            .edges("[*] --> Pending", "Pending --> Scheduled", "Scheduled --> Starting")
            .edges("Starting --> Running")
            .expect(GuestPhase.Running)
            .verbs("prepare", "launch")
            .check(w -> assertThat(seed(w).get("user-data")).contains(USER_DATA_MARK, KEY))
            .check(w -> assertThat(TableRow.json(w.status()).toString()).doesNotContain("4711"))
            .check(w -> assertThat(String.join("\n", w.events)).doesNotContain("4711")),
        row("relaunch after a crash: the disks are kept, the seed is written afresh")
            .given(DiskRows::runningImageGuest)
            .given(w -> w.spec(s -> s.cloudInit.sshAuthorizedKeys = List.of("ssh-ed25519 NEW")))
            .given(w -> w.fake.kill(w.dir()))
            .given(LifecycleWorld::probe)
            .given(LifecycleWorld::reconcile)
            .when(w -> w.clock.advance(Duration.ofSeconds(2)))
            .edges("Starting --> Running")
            .verbs("prepare", "launch")
            .check(w -> assertThat(message(w)).contains("0 made now"))
            .check(w -> assertThat(seed(w).get("user-data")).contains("ssh-ed25519 NEW")),
        row("relaunch, its disk and the base image gone: back to Scheduled to fetch it")
            .given(DiskRows::runningImageGuest)
            .given(w -> w.fake.kill(w.dir()))
            .given(LifecycleWorld::probe)
            .given(LifecycleWorld::reconcile)
            .given(w -> w.fake.disks.cache.clear())
            .given(w -> w.fake.disks.wipe(w.dir()))
            .when(w -> w.clock.advance(Duration.ofSeconds(2)))
            .edges("Starting --> Scheduled")
            .expect(GuestPhase.Scheduled)
            .conditions("DisksReady=False/Downloading")
            .verbs("prepare"),
        row("reimage token: stopped, own disks removed, made afresh, launched")
            .given(DiskRows::runningImageGuest)
            .when(w -> w.annotate(Annotations.REIMAGE, "i1"))
            .edges("Running --> Starting", "Starting --> Running")
            .expect(GuestPhase.Running)
            .verbs("stop", "wipe", "prepare", "launch")
            .check(w -> assertThat(w.status().actions.reimage).isEqualTo("i1"))
            .check(w -> assertThat(message(w)).contains("2 made now"))
            .check(w -> assertThat(w.events).anyMatch(e -> e.startsWith("Normal Reimaged: "))),
        row("Failed under Manual, reimage token: disks made afresh, launched")
            .given(w -> w.spec(s -> s.runStrategy = RunStrategy.Manual))
            .given(DiskRows::runningImageGuest)
            .given(w -> w.fake.kill(w.dir()))
            .given(LifecycleWorld::probe)
            .given(LifecycleWorld::reconcile)
            .when(w -> w.annotate(Annotations.REIMAGE, "i1"))
            .edges("Failed --> Starting", "Starting --> Running")
            .verbs("wipe", "prepare", "launch"),
        row("a disk's source changed after it was made: Failed (DiskSourceChanged)")
            .given(DiskRows::runningImageGuest)
            .given(w -> w.spec(s -> s.disks.get(0).image.sha256 = OTHER_SHA))
            .when(w -> w.annotate(Annotations.RESTART, "r1"))
            .edges("Running --> Starting", "Starting --> Failed")
            .expect(GuestPhase.Failed)
            .conditions("DisksReady=False/DiskSourceChanged")
            .verbs("stop", "prepare")
            .check(w -> assertThat(message(w)).contains("kvmop.dev/reimage")),
        row("Scheduled with an image disk, runStrategy Halted: Stopped, nothing fetched")
            .given(DiskRows::imageGuest)
            .given(w -> w.spec(s -> s.runStrategy = RunStrategy.Halted))
            .edges("[*] --> Pending", "Pending --> Scheduled", "Scheduled --> Stopped")
            .expect(GuestPhase.Stopped)
            .check(w -> assertThat(w.fetchJobs).isEmpty()));
  }

  // --- the worlds ------------------------------------------------------------------------------

  /** The host serves {@code image} at {@link #URL}. */
  static void serve(LifecycleWorld w, FakeDisks.Image image) {
    w.fake.disks.served.put(URL, image);
  }

  /** A guest with an image disk grown to 128Mi, an empty disk and a seed; the URL serves it. */
  static void imageGuest(LifecycleWorld w) {
    w.fake.disks.served.putIfAbsent(URL, BASE);
    w.guest =
        TestObjects.guest("vm-a")
            .on("node-a")
            .network(NetworkType.User)
            .withUid()
            .imageDisk(URL, SHA, "128Mi")
            .emptyDisk("16Mi")
            .cloudInit(KEY)
            .build();
    w.hostSpec(s -> s.network.gateway = "10.0.0.1/24");
  }

  static void runningImageGuest(LifecycleWorld w) {
    RunStrategy strategy = w.guest.getSpec().runStrategy;
    imageGuest(w);
    w.guest.getSpec().runStrategy = strategy;
    w.reconcile();
    w.runFetches();
    w.reconcile();
    w.probe();
    assertThat(w.phase()).isEqualTo(GuestPhase.Running);
  }

  static void tooSmall(LifecycleWorld w) {
    imageGuest(w);
    w.guest.getSpec().disks.get(0).size = "1Mi";
    w.reconcile();
    w.runFetches();
    w.reconcile();
    assertThat(w.phase()).isEqualTo(GuestPhase.Failed);
  }

  static void userDataFromSecret(LifecycleWorld w) {
    w.guest =
        TestObjects.guest("vm-a")
            .on("node-a")
            .network(NetworkType.User)
            .withUid()
            .cloudInit(KEY)
            .build();
    w.guest.getSpec().cloudInit.userDataSecretRef = new ObjectRef("ud");
  }

  static io.fabric8.kubernetes.api.model.Secret secret(Map<String, String> data) {
    var b = new SecretBuilder().withNewMetadata().withName("ud").endMetadata();
    data.forEach(
        (k, v) ->
            b.addToData(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    return b.build();
  }

  static String userData() {
    return "#cloud-config\nruncmd:\n  - echo " + USER_DATA_MARK + "\n";
  }

  // --- what the rows read ---------------------------------------------------------------------

  static KvmGuestSpec.Image image(LifecycleWorld w) {
    return w.guest.getSpec().disks.get(0).image;
  }

  static String message(LifecycleWorld w) {
    return StatusConditions.find(w.status().conditions, Conditions.DISKS_READY)
        .orElseThrow()
        .getMessage();
  }

  static String specMessage(LifecycleWorld w) {
    return StatusConditions.find(w.status().conditions, Conditions.SPEC_VALID)
        .orElseThrow()
        .getMessage();
  }

  static Map<String, String> seed(LifecycleWorld w) {
    return w.fake.disks.seeds.get(w.dir());
  }

  /** The disks and seed of {@link #imageGuest}, and the argv that attaches them. */
  static void madeFromTheSpec(LifecycleWorld w) {
    String dir = w.dir();
    assertThat(w.fake.disks.guestDisks.get(dir))
        .containsExactlyInAnyOrderEntriesOf(Map.of(0, "image " + SHA + " qcow2", 1, "empty"));
    assertThat(seed(w).get("meta-data")).contains(w.guest.getMetadata().getUid(), "vm-a");
    assertThat(seed(w).get("user-data")).contains(KEY);
    assertThat(seed(w).get("network-config"))
        .contains("10.0.0.10/24", "via: 10.0.0.1", w.status().mac);
    assertThat(w.status().qemuArgv)
        .contains("file=" + dir + "/disk-0.qcow2,format=qcow2,if=virtio")
        .contains("file=" + dir + "/disk-1.qcow2,format=qcow2,if=virtio")
        .contains("driver=vvfat,dir=" + dir + "/seed,label=cidata,read-only=on,if=virtio");
  }

  private static TableRow row(String name) {
    return new TableRow(name);
  }
}
