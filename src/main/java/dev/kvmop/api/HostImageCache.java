package dev.kvmop.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;

/** The host's image cache, {@code <workDir>/images} ({@code KvmHost.spec.imageCache}). */
@JsonIgnoreProperties(ignoreUnknown = true)
public class HostImageCache {
  @Default("50Gi")
  @Pattern(Patterns.QUANTITY)
  @JsonPropertyDescription(
      "When the cache holds more than this, the least recently used images that no guest on"
          + " the host uses (or names) and that were not used in the last 10 minutes are"
          + " removed; the grace keeps an image a guest is about to use.")
  public String maxSize = "50Gi";
}
