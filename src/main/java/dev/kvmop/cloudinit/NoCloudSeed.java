package dev.kvmop.cloudinit;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The files of a cloud-init NoCloud seed (pure): {@code meta-data} (instance-id and
 * local-hostname), {@code user-data} (the user's, with the SSH keys merged in) and, when there is
 * one, {@code network-config} (the user's, or one generated from the pool address).
 */
public final class NoCloudSeed {
  public static final String META_DATA = "meta-data";
  public static final String USER_DATA = "user-data";
  public static final String NETWORK_CONFIG = "network-config";

  private NoCloudSeed() {}

  /** File name to content, in a fixed order. */
  public static Map<String, String> files(SeedInput in) {
    Map<String, String> files = new LinkedHashMap<>();
    files.put(META_DATA, metaData(in.instanceId(), in.hostname()));
    files.put(USER_DATA, UserData.merge(in.userData(), in.sshAuthorizedKeys()));
    Optional<String> network =
        in.networkData() != null && !in.networkData().isEmpty()
            ? Optional.of(in.networkData())
            : NetworkConfig.generate(in.mac(), in.ip(), in.gateway(), in.nameservers());
    network.ifPresent(n -> files.put(NETWORK_CONFIG, n));
    return files;
  }

  static String metaData(String instanceId, String hostname) {
    return "instance-id: "
        + Yaml.quoted(instanceId)
        + "\nlocal-hostname: "
        + Yaml.quoted(hostname)
        + "\n";
  }
}
