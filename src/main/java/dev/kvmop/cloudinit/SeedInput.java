package dev.kvmop.cloudinit;

import java.util.List;

/**
 * What a guest's NoCloud seed is made from.
 *
 * @param instanceId metadata.uid of the guest
 * @param hostname metadata.name of the guest
 * @param userData the user's user-data (inline or from its Secret), or null for none
 * @param sshAuthorizedKeys keys to merge into the user-data
 * @param networkData the user's network-config, or null to generate one
 * @param mac the guest NIC's MAC, or null without a NIC
 * @param ip the guest's pool address (IPv4, IPv6 or a hostname), or null
 * @param gateway the host's network.gateway as address/prefix, or empty
 * @param nameservers the host's network.nameservers
 */
public record SeedInput(
    String instanceId,
    String hostname,
    String userData,
    List<String> sshAuthorizedKeys,
    String networkData,
    String mac,
    String ip,
    String gateway,
    List<String> nameservers) {
  public SeedInput {
    sshAuthorizedKeys = sshAuthorizedKeys == null ? List.of() : List.copyOf(sshAuthorizedKeys);
    nameservers = nameservers == null ? List.of() : List.copyOf(nameservers);
  }
}
