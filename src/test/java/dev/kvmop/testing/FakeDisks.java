package dev.kvmop.testing;

import dev.kvmop.host.CachedImages;
import dev.kvmop.host.DiskSetup;
import dev.kvmop.host.ImageFetch;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * A fake host's image cache and guest disks, with the semantics of the kvmop-disks helper: what
 * URLs "serve", which files exist on the host, what the cache and each guest directory hold.
 */
public final class FakeDisks {
  /** One image: its sha256 and size, and the virtual size qemu-img would report. */
  public record Image(String sha256, long bytes, long virtualSize) {}

  /** URL → image it serves; a URL not here answers 404. */
  public final Map<String, Image> served = new ConcurrentHashMap<>();

  /** URL → the host's error when fetching it (no route, no space left, ...). */
  public final Map<String, String> failing = new ConcurrentHashMap<>();

  /** hostPath → image file at that path. */
  public final Map<String, Image> files = new ConcurrentHashMap<>();

  /** sha256 → cached image, and when it was last used. */
  public final Map<String, Image> cache = new ConcurrentHashMap<>();

  public final Map<String, Instant> lastUsed = new ConcurrentHashMap<>();

  /** Guest directory → disk index → what the disk was made from ("image <sha> <fmt>", "empty"). */
  public final Map<String, Map<Integer, String>> guestDisks = new ConcurrentHashMap<>();

  /** Guest directory → the seed files last written. */
  public final Map<String, Map<String, String>> seeds = new ConcurrentHashMap<>();

  /** Fetches that ran to their end (ok or not). */
  public final AtomicInteger fetches = new AtomicInteger();

  public volatile boolean noDownloader;
  public volatile boolean diskFull;

  /** When set, fetches wait for it (up to 10 s): a download in flight. */
  public volatile CountDownLatch fetchGate;

  public volatile ImageFetch.Progress progress = new ImageFetch.Progress(0, null);

  ImageFetch.Result fetch(ImageFetch f) {
    CountDownLatch gate = fetchGate;
    if (gate != null) {
      try {
        gate.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    fetches.incrementAndGet();
    if (f.sha256() != null && cache.containsKey(f.sha256())) {
      return ok(cache.get(f.sha256()));
    }
    Image image;
    if (f.url() != null) {
      if (noDownloader) {
        return failed(ImageFetch.Outcome.NoDownloader, "the host has neither curl nor wget");
      }
      if (failing.containsKey(f.url())) {
        return failed(ImageFetch.Outcome.Failed, failing.get(f.url()));
      }
      image = served.get(f.url());
      if (image == null) {
        return failed(
            ImageFetch.Outcome.Failed,
            "fetching " + f.url() + " failed: curl: (22) The requested URL returned error: 404");
      }
    } else {
      image = files.get(f.hostPath());
      if (image == null) {
        return failed(ImageFetch.Outcome.NotFound, f.hostPath() + " does not exist on the host");
      }
    }
    if (f.sha256() != null && !f.sha256().equals(image.sha256())) {
      return new ImageFetch.Result(ImageFetch.Outcome.ChecksumMismatch, image.sha256(), 0, null);
    }
    if (diskFull) {
      return failed(ImageFetch.Outcome.Failed, "no space left on the host in /var/lib/kvmop");
    }
    cache.put(image.sha256(), image);
    lastUsed.put(image.sha256(), Instant.now());
    return ok(image);
  }

  ImageFetch.Progress progress(String job) {
    return progress;
  }

  synchronized DiskSetup.Report prepare(DiskSetup setup) {
    Map<Integer, DiskSetup.State> states = new HashMap<>();
    Map<Integer, Long> sizes = new HashMap<>();
    Map<Integer, String> previous = new HashMap<>();
    Map<Integer, String> disks = guestDisks.computeIfAbsent(setup.guestDir(), d -> new HashMap<>());
    for (DiskSetup.Disk d : setup.disks()) {
      String want = d.isImage() ? "image " + d.baseSha256() + " " + d.baseFormat() : "empty";
      String have = disks.get(d.index());
      if (have != null) {
        states.put(
            d.index(), have.equals(want) ? DiskSetup.State.Kept : DiskSetup.State.SourceChanged);
        if (!have.equals(want)) {
          previous.put(d.index(), have);
        }
        continue;
      }
      if (d.isImage()) {
        Image base = cache.get(d.baseSha256());
        if (base == null) {
          states.put(d.index(), DiskSetup.State.BaseMissing);
          continue;
        }
        if (d.sizeBytes() != null && d.sizeBytes() < base.virtualSize()) {
          states.put(d.index(), DiskSetup.State.TooSmall);
          sizes.put(d.index(), base.virtualSize());
          continue;
        }
        lastUsed.put(base.sha256(), Instant.now());
      }
      disks.put(d.index(), want);
      states.put(d.index(), DiskSetup.State.Created);
    }
    if (setup.seed() == null) {
      seeds.remove(setup.guestDir());
    } else {
      seeds.put(setup.guestDir(), Map.copyOf(setup.seed()));
    }
    return new DiskSetup.Report(states, sizes, previous);
  }

  public synchronized void wipe(String guestDir) {
    guestDisks.remove(guestDir);
  }

  synchronized void removeGuest(String guestDir) {
    guestDisks.remove(guestDir);
    seeds.remove(guestDir);
  }

  synchronized CachedImages list() {
    List<CachedImages.Image> images = new ArrayList<>();
    cache.forEach(
        (sha, image) ->
            images.add(
                new CachedImages.Image(
                    sha, image.bytes(), lastUsed.getOrDefault(sha, Instant.EPOCH))));
    return new CachedImages(images, inUse());
  }

  synchronized List<String> evict(List<String> shas) {
    Set<String> used = inUse();
    List<String> evicted = new ArrayList<>();
    for (String sha : shas) {
      if (!used.contains(sha) && cache.remove(sha) != null) {
        evicted.add(sha);
      }
    }
    return evicted;
  }

  private Set<String> inUse() {
    return guestDisks.values().stream()
        .flatMap(m -> m.values().stream())
        .filter(v -> v.startsWith("image "))
        .map(v -> v.split(" ")[1])
        .collect(Collectors.toSet());
  }

  private static ImageFetch.Result ok(Image image) {
    return new ImageFetch.Result(ImageFetch.Outcome.Fetched, image.sha256(), image.bytes(), null);
  }

  private static ImageFetch.Result failed(ImageFetch.Outcome outcome, String error) {
    return new ImageFetch.Result(outcome, null, 0, error);
  }
}
