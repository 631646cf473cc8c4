package dev.kvmop.controller.guest.lifecycle;

import static dev.kvmop.api.Conditions.READY;
import static dev.kvmop.api.Conditions.SPEC_VALID;

import dev.kvmop.api.GuestPhase;
import dev.kvmop.api.GuestReasons;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.image.ImageSource;
import dev.kvmop.host.DiskSetup;
import dev.kvmop.host.HostException;
import dev.kvmop.qemu.DiskQuantity;
import dev.kvmop.qemu.OwnedDisks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Right before every launch: the guest's own disks exist (made once from the cached images or
 * blank, kept afterwards) and its cloud-init seed is written afresh (so a changed cloudInit takes
 * effect at the next start). One host command. When something is missing the guest goes back to
 * Scheduled (a base image to fetch again, user-data to wait for), or to Failed when only a spec
 * change or a reimage can help (a size below the image's, a disk whose source changed).
 */
final class DiskPreparation {
  /** Look again this soon for user-data that is not there yet (no Secret informer wakes us). */
  static final Duration USER_DATA_RETRY = Duration.ofSeconds(15);

  private final GuestServices services;
  private final DiskConditions conditions;

  DiskPreparation(GuestServices services) {
    this.services = services;
    this.conditions = new DiskConditions(services);
  }

  /** Empty when qemu may launch; otherwise the outcome of waiting or failing. */
  Optional<Outcome> prepare(GuestRun run, HostDirectory.Entry host) throws HostException {
    if (!OwnedDisks.anyToPrepare(run.spec())) {
      return Optional.empty();
    }
    if (run.status().phase != GuestPhase.Scheduled) {
      // A relaunch, restart or reimage: Starting from here on, also when the disks stop it.
      services
          .transitions()
          .enter(run, GuestPhase.Starting, GuestReasons.LAUNCHING, "launching qemu");
    }
    Map<String, String> seed = null;
    if (run.spec().cloudInit != null) {
      FirstBootSeed.Seed s = FirstBootSeed.of(run, host);
      if (s instanceof FirstBootSeed.Seed.Unavailable u) {
        return Optional.of(waitInScheduled(run, u.reason(), u.message(), USER_DATA_RETRY));
      }
      seed = ((FirstBootSeed.Seed.Files) s).files();
    }
    List<OwnedDisks.Disk> owned = OwnedDisks.of(run.spec());
    List<DiskSetup.Disk> disks = new ArrayList<>();
    for (OwnedDisks.Disk d : owned) {
      if (d.kind() == OwnedDisks.Kind.Empty) {
        disks.add(DiskSetup.Disk.empty(d.index(), d.sizeBytes()));
        continue;
      }
      Optional<String> sha = services.disks().images().sha256(run.hostId(), source(d));
      if (sha.isEmpty()) {
        // A hostPath image whose sha256 this process has not learnt yet: fetch it first.
        return Optional.of(refetch(run, d));
      }
      disks.add(DiskSetup.Disk.image(d.index(), sha.get(), d.baseFormat(), d.sizeBytes()));
    }
    DiskSetup.Report report =
        services
            .agent(host)
            .prepareDisks(new DiskSetup(run.dirsOn(host).dir(), host.spec().workDir, disks, seed));
    return judge(run, owned, report, seed != null);
  }

  private Optional<Outcome> judge(
      GuestRun run, List<OwnedDisks.Disk> owned, DiskSetup.Report report, boolean seeded) {
    int created = 0;
    for (OwnedDisks.Disk d : owned) {
      DiskSetup.State state = report.states().get(d.index());
      if (state == null) {
        throw new IllegalStateException("the host did not report " + d.field());
      }
      switch (state) {
        case BaseMissing -> {
          services.disks().images().forget(run.hostId(), source(d));
          return Optional.of(refetch(run, d));
        }
        case TooSmall -> {
          return Optional.of(tooSmall(run, d, report.virtualSizes().get(d.index())));
        }
        case SourceChanged -> {
          return Optional.of(sourceChanged(run, d, report.previous().get(d.index())));
        }
        case Created -> created++;
        case Kept -> {}
      }
    }
    conditions.ready(
        run,
        owned.size()
            + " own disk(s), "
            + created
            + " made now"
            + (seeded ? "; cloud-init seed written" : ""));
    return Optional.empty();
  }

  private Outcome refetch(GuestRun run, OwnedDisks.Disk d) {
    String message =
        d.field() + ": the base image " + source(d).where() + " is not in the host's cache";
    return waitInScheduled(run, GuestReasons.DOWNLOADING, message, Duration.ofMillis(200));
  }

  private Outcome waitInScheduled(GuestRun run, String reason, String message, Duration after) {
    conditions.notReady(run, reason, message);
    run.conditions().set(READY, false, reason, message);
    services.transitions().enter(run, GuestPhase.Scheduled, reason, message);
    return Outcome.requeue(after);
  }

  private Outcome tooSmall(GuestRun run, OwnedDisks.Disk d, Long virtualSize) {
    long size = virtualSize == null ? 0 : virtualSize;
    String message =
        d.field()
            + ".size: "
            + run.spec().disks.get(d.index()).size
            + " is smaller than the image's virtual size "
            + DiskQuantity.human(size)
            + " ("
            + size
            + " bytes)";
    services.disks().specErrors().found(run, message);
    run.conditions().set(SPEC_VALID, false, GuestReasons.INVALID_SPEC, message);
    return fail(run, GuestReasons.INVALID_SPEC, message);
  }

  private Outcome sourceChanged(GuestRun run, OwnedDisks.Disk d, String previous) {
    String message =
        d.field()
            + " changed after its disk was made (from "
            + previous
            + "); annotate kvmop.dev/reimage to make the disks afresh, or undo the change";
    conditions.notReady(run, GuestReasons.DISK_SOURCE_CHANGED, message);
    return fail(run, GuestReasons.DISK_SOURCE_CHANGED, message);
  }

  private Outcome fail(GuestRun run, String reason, String message) {
    run.conditions().set(READY, false, reason, message);
    services.transitions().enter(run, GuestPhase.Failed, reason, message);
    return Outcome.awaitEvent();
  }

  private static ImageSource source(OwnedDisks.Disk d) {
    return ImageSource.of(d.image());
  }
}
