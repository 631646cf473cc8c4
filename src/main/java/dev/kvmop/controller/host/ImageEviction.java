package dev.kvmop.controller.host;

import dev.kvmop.host.CachedImages;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/** Which cached images to remove so that the cache fits its maximum size (pure). */
final class ImageEviction {
  /**
   * An image used this recently is kept even when the cache is over its size: it was just fetched
   * for a guest that has not made its disk yet, and removing it would only fetch it again.
   */
  static final Duration RECENT = Duration.ofMinutes(10);

  private ImageEviction() {}

  /**
   * The images to remove, least recently used first (ties: by sha256), until the rest fit in {@code
   * maxBytes}. Never one that is protected (a guest disk uses it, or a guest's spec asks for it) or
   * used within {@link #RECENT} of {@code now}. May leave the cache over its size when nothing else
   * may go.
   */
  static List<String> order(
      List<CachedImages.Image> images, Set<String> protectedImages, long maxBytes, Instant now) {
    long total = images.stream().mapToLong(CachedImages.Image::bytes).sum();
    List<String> out = new ArrayList<>();
    if (total <= maxBytes) {
      return out;
    }
    List<CachedImages.Image> candidates =
        images.stream()
            .filter(i -> !protectedImages.contains(i.sha256()))
            .filter(i -> i.lastUsed().isBefore(now.minus(RECENT)))
            .sorted(
                Comparator.comparing(CachedImages.Image::lastUsed)
                    .thenComparing(CachedImages.Image::sha256))
            .toList();
    for (CachedImages.Image i : candidates) {
      if (total <= maxBytes) {
        break;
      }
      out.add(i.sha256());
      total -= i.bytes();
    }
    return out;
  }
}
