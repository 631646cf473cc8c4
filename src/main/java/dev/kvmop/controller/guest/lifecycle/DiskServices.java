package dev.kvmop.controller.guest.lifecycle;

import dev.kvmop.controller.image.ImageFetches;

/**
 * What disk preparation keeps between reconciles: the image fetches, spec errors found on hosts.
 */
public record DiskServices(ImageFetches images, KnownSpecErrors specErrors) {
  public static DiskServices of(ImageFetches images) {
    return new DiskServices(images, new KnownSpecErrors());
  }
}
