package dev.kvmop.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** One {mac, ip} pair of a host's address pool. */
@JsonIgnoreProperties(ignoreUnknown = true)
public class AddressEntry {
  @Required
  @Pattern(Patterns.MAC)
  @JsonPropertyDescription("MAC address given to the guest NIC, e.g. 52:54:00:00:00:10.")
  public String mac;

  @Required
  @Pattern(Patterns.HOST_OR_IP)
  @JsonPropertyDescription("IPv4 address, IPv6 address or hostname the guest answers on.")
  public String ip;

  public AddressEntry() {}

  public AddressEntry(String mac, String ip) {
    this.mac = mac;
    this.ip = ip;
  }
}
