package dev.kvmop.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** A contiguous IPv4 range that expands to pool entries whose MAC is derived from the IP. */
@JsonIgnoreProperties(ignoreUnknown = true)
public class AddressRange {
  @Required
  @Pattern(Patterns.HOST_OR_IP)
  @JsonPropertyDescription("First IPv4 address of the range (inclusive).")
  public String first;

  @Required
  @Pattern(Patterns.HOST_OR_IP)
  @JsonPropertyDescription("Last IPv4 address of the range (inclusive); at most 65536 addresses.")
  public String last;

  @Pattern(Patterns.MAC_PREFIX)
  @JsonPropertyDescription(
      "Leading MAC octets; the remaining octets are taken from the low bytes of the IP. Default"
          + " 52:54:00.")
  public String macPrefix;
}
