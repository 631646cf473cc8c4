package dev.kvmop.host;

import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * A host's image cache: the images in it and the ones guest disks on the host are made from.
 *
 * @param inUse sha256 of every image a guest disk on the host is backed by
 */
public record CachedImages(List<Image> images, Set<String> inUse) {
  public CachedImages {
    images = List.copyOf(images);
    inUse = Set.copyOf(inUse);
  }

  /** One cached image; lastUsed is when a guest disk was last made from or started on it. */
  public record Image(String sha256, long bytes, Instant lastUsed) {}
}
