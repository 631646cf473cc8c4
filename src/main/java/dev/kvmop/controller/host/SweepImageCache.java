package dev.kvmop.controller.host;

import dev.kvmop.api.Conditions;
import dev.kvmop.api.HostPhase;
import dev.kvmop.api.HostReasons;
import dev.kvmop.api.KvmGuest;
import dev.kvmop.api.KvmHostSpec;
import dev.kvmop.api.KvmHostStatus;
import dev.kvmop.controller.EventRecorder;
import dev.kvmop.controller.HostDirectory;
import dev.kvmop.controller.StatusConditions;
import dev.kvmop.host.CachedImages;
import dev.kvmop.host.HostException;
import dev.kvmop.qemu.DiskQuantity;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The image cache: status.imageCache, and eviction of the least recently used images no guest uses
 * ({@link ImageEviction}) when it holds more than spec.imageCache.maxSize. Every full check sweeps
 * ({@link #always}); a Ready host whose full check is skipped is swept before {@link
 * SkipWhenSteady} only when something may have changed: its guests or their disks, maxSize, or the
 * last sweep is older than {@link FullChecks#EVERY}. One remote command, two when it evicts.
 *
 * @param always sweep in every round that gets here (the full check)
 * @param last what the last sweep of each host saw, shared by both steps
 */
record SweepImageCache(Clock clock, EventRecorder events, boolean always, Map<String, Swept> last)
    implements HostStep {
  /** What the last sweep of a host saw. */
  record Swept(String signature, Instant at) {}

  /** The step of the full check, and the one before {@link SkipWhenSteady}. */
  static List<SweepImageCache> pair(Clock clock, EventRecorder events, HostDirectory directory) {
    Map<String, Swept> last = new ConcurrentHashMap<>();
    // A host leaves the directory when its deletion is done: what its sweeps saw goes with it.
    directory.onRemoved(last::remove);
    return List.of(
        new SweepImageCache(clock, events, true, last),
        new SweepImageCache(clock, events, false, last));
  }

  @Override
  public StepResult run(HostRound round) throws HostException {
    String signature = signature(round);
    Swept before = last.get(round.id());
    Instant now = clock.instant();
    boolean due =
        round.status().imageCache == null
            || before == null
            || !before.signature().equals(signature)
            || now.isAfter(before.at().plus(FullChecks.EVERY));
    if (!always && (round.status().phase != HostPhase.Ready || !due)) {
      return StepResult.NEXT;
    }
    sweep(round, now);
    last.put(round.id(), new Swept(signature, now));
    return StepResult.NEXT;
  }

  private void sweep(HostRound round, Instant now) throws HostException {
    String workDir = round.spec().workDir;
    CachedImages cached = round.agent.cachedImages(workDir);
    Set<String> keep = new HashSet<>(cached.inUse());
    keep.addAll(wanted(round.guests()));
    List<String> evict = ImageEviction.order(cached.images(), keep, maxBytes(round.spec()), now);
    Set<String> evicted =
        evict.isEmpty() ? Set.of() : new HashSet<>(round.agent.evictImages(workDir, evict));
    if (!evicted.isEmpty()) {
      events.normal(
          round.host(),
          HostReasons.IMAGES_EVICTED,
          "image cache over spec.imageCache.maxSize "
              + round.spec().imageCache.maxSize
              + ": removed "
              + evicted.size()
              + " least recently used image(s) no guest uses: "
              + evicted.stream().sorted().collect(Collectors.joining(", ")));
    }
    var status = new KvmHostStatus.ImageCacheStatus();
    var left = cached.images().stream().filter(i -> !evicted.contains(i.sha256())).toList();
    status.images = left.size();
    status.bytes = left.stream().mapToLong(CachedImages.Image::bytes).sum();
    round.status().imageCache = status;
  }

  /** The images the guests' specs name by sha256: kept even before a disk is made from them. */
  static Set<String> wanted(List<KvmGuest> guests) {
    return guests.stream()
        .filter(g -> g.getSpec() != null && g.getSpec().disks != null)
        .flatMap(g -> g.getSpec().disks.stream())
        .filter(d -> d != null && d.image != null && d.image.sha256 != null)
        .map(d -> d.image.sha256.toLowerCase(Locale.ROOT))
        .collect(Collectors.toSet());
  }

  private static long maxBytes(KvmHostSpec spec) {
    String max = spec.imageCache == null ? null : spec.imageCache.maxSize;
    return DiskQuantity.bytes(max == null ? new dev.kvmop.api.HostImageCache().maxSize : max);
  }

  /** Changes when a guest comes or goes, its disks become ready or not, or maxSize changes. */
  private static String signature(HostRound round) {
    String guests =
        round.guests().stream()
            .map(
                g ->
                    g.getMetadata().getUid()
                        + ":"
                        + (g.getStatus() == null
                            ? "-"
                            : StatusConditions.find(
                                    g.getStatus().conditions, Conditions.DISKS_READY)
                                .map(c -> c.getStatus())
                                .orElse("-")))
            .sorted()
            .collect(Collectors.joining(","));
    return Objects.toString(
            round.spec().imageCache == null ? null : round.spec().imageCache.maxSize)
        + "|"
        + guests;
  }
}
