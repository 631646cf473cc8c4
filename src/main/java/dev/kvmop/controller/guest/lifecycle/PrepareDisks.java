package dev.kvmop.controller.guest.lifecycle;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.GuestReasons;
import dev.kvmop.api.KvmGuestStatus;
import dev.kvmop.api.RunStrategy;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.StatusSink;
import dev.kvmop.controller.image.FetchState;
import dev.kvmop.controller.image.ImageSource;
import dev.kvmop.qemu.DiskQuantity;
import dev.kvmop.qemu.OwnedDisks;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Scheduled: the base images of the guest's image disks are in its host's cache, then straight on
 * to Starting (where {@link DiskPreparation} makes the disks). Fetches run in {@link
 * dev.kvmop.controller.image.ImageFetches}, never on this thread: the guest waits here with
 * DisksReady=False (Downloading, with the bytes so far), looked at again every few seconds and
 * woken when a fetch ends; a failed fetch is retried after its backoff.
 */
final class PrepareDisks implements PhaseHandler {
  /** How often a waiting guest's progress message is refreshed. */
  static final Duration PROGRESS_REFRESH = Duration.ofSeconds(5);

  private final GuestServices services;
  private final DiskConditions conditions;

  PrepareDisks(GuestServices services) {
    this.services = services;
    this.conditions = new DiskConditions(services);
  }

  @Override
  public Outcome handle(GuestRun run, HostDirectory.Entry host, StatusSink<KvmGuestStatus> record) {
    if (run.spec().runStrategy == RunStrategy.Halted) {
      return Outcome.then(GuestPhase.Starting); // which stops it without fetching anything
    }
    List<String> fetching = new ArrayList<>();
    for (OwnedDisks.Disk disk : OwnedDisks.of(run.spec())) {
      if (disk.kind() != OwnedDisks.Kind.Image) {
        continue;
      }
      ImageSource source = ImageSource.of(disk.image());
      FetchState state = services.disks().images().request(host, source);
      if (state instanceof FetchState.Failed failed) {
        return failed(run, disk, source, failed);
      }
      if (state instanceof FetchState.Fetching f) {
        fetching.add(progress(disk, source, f));
      }
    }
    if (!fetching.isEmpty()) {
      conditions.notReady(run, GuestReasons.DOWNLOADING, String.join("; ", fetching));
      return Outcome.requeue(PROGRESS_REFRESH);
    }
    return Outcome.then(GuestPhase.Starting);
  }

  private static String progress(OwnedDisks.Disk disk, ImageSource source, FetchState.Fetching f) {
    String done =
        f.total() == null || f.total() <= 0
            ? f.done() + " bytes so far"
            : f.done()
                + " / "
                + f.total()
                + " bytes ("
                + (int) (100.0 * f.done() / f.total())
                + "%, "
                + DiskQuantity.human(f.done())
                + " of "
                + DiskQuantity.human(f.total())
                + ")";
    return disk.field() + ": fetching " + source.where() + " on the host: " + done;
  }

  private Outcome failed(
      GuestRun run, OwnedDisks.Disk disk, ImageSource source, FetchState.Failed f) {
    String field = source.field(disk.field());
    String retry = "; next try at " + f.retryAt();
    switch (f.kind()) {
      case ChecksumMismatch ->
          conditions.notReady(
              run,
              GuestReasons.CHECKSUM_MISMATCH,
              field
                  + " "
                  + source.where()
                  + ": the host got sha256 "
                  + f.detail()
                  + " but "
                  + disk.field()
                  + ".image.sha256 is "
                  + source.sha256()
                  + "; the file was removed and nothing was launched"
                  + retry);
      case NotFound ->
          conditions.notReady(run, GuestReasons.IMAGE_NOT_FOUND, field + ": " + f.detail() + retry);
      case NoDownloader ->
          conditions.notReady(
              run,
              GuestReasons.DOWNLOADER_MISSING,
              field + ": the host has neither curl nor wget; install one of them" + retry);
      case DownloadFailed ->
          conditions.notReady(
              run,
              GuestReasons.DOWNLOAD_FAILED,
              field + " " + source.where() + ": " + f.detail() + retry);
    }
    Instant now = services.now();
    Duration wait = f.retryAt().isAfter(now) ? Duration.between(now, f.retryAt()) : Duration.ZERO;
    return Outcome.requeue(wait.plusMillis(200));
  }
}
